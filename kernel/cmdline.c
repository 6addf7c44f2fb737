/* Kernel command line: `[--option[=value]]... /program arg...`, OSv-like.
 * Pure (no kernel headers) so tests/unit compiles it for the host. Words may
 * be quoted with '...' or "..." to hold spaces. QEMU's microvm appends
 * `virtio_mmio.device=...` words after everything; they are collected
 * wherever they appear. */
#include "cmdline.h"
#include <string.h>

struct boot_options boot_opts;

int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	int shift = 0;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	}
	if (*s == 'i' || *s == 'B')
		s += *s == 'i' && s[1] == 'B' ? 2 : 1;
	if (*s || (shift && v > (UINT64_MAX >> shift)))
		return -1;
	*out = v << shift;
	return 0;
}

int parse_ipv4(const char *s, uint32_t *addr, int *prefix)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		const char *start = s;
		while (*s >= '0' && *s <= '9' && s - start < 3)
			v = v * 10 + (unsigned)(*s++ - '0');
		if (s == start || v > 255 || (i < 3 && *s++ != '.'))
			return -1;
		b[i] = (uint8_t)v;
	}
	if (prefix) {
		unsigned v = 0;
		const char *start = ++s;
		if (s[-1] != '/')
			return -1;
		while (*s >= '0' && *s <= '9' && s - start < 2)
			v = v * 10 + (unsigned)(*s++ - '0');
		if (s == start || v > 32)
			return -1;
		*prefix = (int)v;
	}
	if (*s)
		return -1;
	memcpy(addr, b, 4);
	return 0;
}

/* Cuts the next word out of *p, handling quotes; NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *w, *d;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!*s)
		return NULL;
	w = d = s;
	char quote = 0;
	for (; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
			else
				*d++ = *s;
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
		} else if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			break;
		} else {
			*d++ = *s;
		}
	}
	*d = 0;
	*p = s;
	return w;
}

static bool opt_is(const char *word, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncmp(word, name, n))
		return false;
	if (word[n] == '=') {
		*value = word + n + 1;
		return true;
	}
	if (!word[n]) {
		*value = NULL;
		return true;
	}
	return false;
}

/* --MODULE.KEY[=VALUE]: a name of letters, digits and '_' with one dot
 * inside; the module that owns it reads it when it loads. */
static bool is_module_option(const char *w)
{
	const char *p = w + 2, *dot = NULL;

	for (; *p && *p != '='; p++) {
		if (*p == '.' && !dot && p > w + 2)
			dot = p;
		else if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')))
			return false;
	}
	return dot && dot + 1 < p;
}

bool module_option(const struct boot_options *o, const char *name, const char **value)
{
	size_t n = strlen(name);

	for (int i = o->nmodule_opts - 1; i >= 0; i--) {
		const char *w = o->module_opts[i];
		if (!strncmp(w, name, n) && (w[n] == '=' || !w[n])) {
			*value = w[n] ? w + n + 1 : NULL;
			return true;
		}
	}
	return false;
}

bool boot_module_option(const char *name, const char **value)
{
	return module_option(&boot_opts, name, value);
}

static int parse_option(char *w, struct boot_options *o,
    void (*warn)(const char *, const char *))
{
	const char *v;

	if (opt_is(w, "--bootchart", &v) && !v)
		o->bootchart = true;
	else if (opt_is(w, "--verbose", &v) && !v)
		o->verbose = true;
	else if (opt_is(w, "--nomount", &v) && !v)
		o->nomount = true;
	else if (opt_is(w, "--heap-debug", &v) && !v)
		o->heap_debug = true;
	else if (opt_is(w, "--no-smap", &v) && !v)
		o->no_smap = true;
	else if (opt_is(w, "--test", &v) && v && *v)
		o->test = v;
	else if (opt_is(w, "--rootfs", &v) && v && (!strcmp(v, "rofs") || !strcmp(v, "ramfs")))
		o->rootfs = v;
	else if (opt_is(w, "--rofs-cache", &v) && v) {
		if (parse_size(v, &o->rofs_cache) < 0) {
			warn("bad size in option", w);
			return 1;
		}
	} else if (opt_is(w, "--ip", &v) && v) {
		if (parse_ipv4(v, &o->net_ip, &o->net_prefix) < 0 || !o->net_ip) {
			warn("bad address in option (want --ip=ADDR/PREFIX, e.g. 10.0.2.15/24)", w);
			o->net_ip = 0;
			return 1;
		}
	} else if (opt_is(w, "--gw", &v) && v) {
		if (parse_ipv4(v, &o->net_gw, NULL) < 0) {
			warn("bad address in option (want --gw=ADDR)", w);
			o->net_gw = 0;
			return 1;
		}
	} else if (opt_is(w, "--dns", &v) && v) {
		if (o->net_ndns == CMDLINE_MAX_DNS) {
			warn("too many name servers, dropped", w);
			return 1;
		}
		if (parse_ipv4(v, &o->net_dns[o->net_ndns], NULL) < 0) {
			warn("bad address in option (want --dns=ADDR)", w);
			return 1;
		}
		o->net_ndns++;
	} else if (is_module_option(w)) {
		if (o->nmodule_opts == CMDLINE_MAX_MODULE_OPTS) {
			warn("too many module options, dropped", w);
			return 1;
		}
		o->module_opts[o->nmodule_opts++] = w + 2;
	} else {
		warn("unknown or malformed option", w);
		return 1;
	}
	return 0;
}

int cmdline_parse(char *line, struct boot_options *o,
    void (*warn)(const char *what, const char *word))
{
	int problems = 0;
	char *w;

	while ((w = next_word(&line))) {
		if (!strncmp(w, "virtio_mmio.device=", 19)) {
			if (o->ndevices < CMDLINE_MAX_DEVICES)
				o->devices[o->ndevices++] = w + 19;
			continue;
		}
		if (o->argc == 0 && w[0] == '-' && w[1] == '-') {
			problems += parse_option(w, o, warn);
			continue;
		}
		if (o->argc == CMDLINE_MAX_ARGS) {
			warn("too many program arguments, dropped", w);
			problems++;
			continue;
		}
		o->argv[o->argc++] = w;
	}
	o->argv[o->argc] = NULL;
	return problems;
}
