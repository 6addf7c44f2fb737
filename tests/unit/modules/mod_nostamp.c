/* Test module without the osprey_module_api version stamp. */
int
module_init(void)
{
	return 0;
}
