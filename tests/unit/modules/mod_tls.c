/* Test module with a thread-local variable (PT_TLS): must be refused. */
const unsigned int osprey_module_api = 7;
__thread int per_thread;

int
module_init(void)
{
	return per_thread;
}
