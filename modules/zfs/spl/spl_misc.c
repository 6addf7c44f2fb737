/* Small helpers of the Solaris DDI that OpenZFS calls. */
#include <sys/sunddi.h>
#include <errno.h>

static int digit(char c, int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 :
	    c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
	return d < base ? d : -1;
}

/* strtoull semantics: optional sign, 0x/0 prefixes when base is 0 or 16. */
int ddi_strtoull(const char *s, char **endp, int base, u_longlong_t *result)
{
	bool neg = false;
	u_longlong_t v = 0;
	const char *start;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit(s[2], 16) >= 0) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36)
		return EINVAL;
	start = s;
	for (int d; (d = digit(*s, base)) >= 0; s++) {
		if (v > (~0ULL - d) / base)
			return ERANGE;
		v = v * base + d;
	}
	if (endp)
		*endp = (char *)(s == start ? start : s);
	if (s == start)
		return EINVAL;
	*result = neg ? -v : v;
	return 0;
}

int ddi_strtoul(const char *s, char **endp, int base, unsigned long *result)
{
	u_longlong_t v;
	int err = ddi_strtoull(s, endp, base, &v);

	if (!err)
		*result = (unsigned long)v;
	return err;
}

int ddi_strtol(const char *s, char **endp, int base, long *result)
{
	u_longlong_t v;
	int err = ddi_strtoull(s, endp, base, &v);

	if (!err)
		*result = (long)v;
	return err;
}

int ddi_strtoll(const char *s, char **endp, int base, longlong_t *result)
{
	u_longlong_t v;
	int err = ddi_strtoull(s, endp, base, &v);

	if (!err)
		*result = (longlong_t)v;
	return err;
}
