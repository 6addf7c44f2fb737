/* Test module with three imports the test does not provide (two calls
 * and one variable) and one it does. */
const unsigned int osprey_module_api = 7;

extern void host_log(const char *msg);
extern int missing_one(void);
extern int missing_two;
extern int missing_three(int);

int
module_init(void)
{
	host_log("x");
	return missing_one() + missing_two + missing_three(1) + missing_one();
}
