/* Formatted output into a buffer. Pure: used by the kernel's printk and
 * compiled on the host by tests/unit/test_printf.c. */
#include "lib/printf.h"
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width, prec;
};

static void put_str(struct out *o, const char *s, const struct spec *sp)
{
	size_t n = sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s);
	int w = sp->width - (int)n;

	if (!sp->left)
		pad(o, ' ', w);
	while (n--)
		put(o, *s++);
	if (sp->left)
		pad(o, ' ', w);
}

static void put_num(struct out *o, uint64_t v, bool neg, unsigned base,
    bool upper, const struct spec *sp)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	while (v) {
		tmp[n++] = digits[v % base];
		v /= base;
	}
	int prec = sp->prec < 0 ? 1 : sp->prec;
	int zeros = prec > n ? prec - n : 0;
	const char *prefix = neg ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	if (sp->alt && base == 16 && n)
		prefix = upper ? "0X" : "0x";
	if (sp->alt && base == 8 && !zeros && (n == 0 || tmp[n - 1] != '0'))
		zeros = 1;
	int plen = strlen(prefix);
	int w = sp->width - plen - zeros - n;

	if (sp->zero && !sp->left && sp->prec < 0) {
		zeros += w > 0 ? w : 0;
		w = 0;
	}
	if (!sp->left)
		pad(o, ' ', w);
	while (*prefix)
		put(o, *prefix++);
	pad(o, '0', zeros);
	while (n)
		put(o, tmp[--n]);
	if (sp->left)
		pad(o, ' ', w);
}

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .prec = -1 };
	for (;; f++) {
		if (*f == '-') sp->left = true;
		else if (*f == '0') sp->zero = true;
		else if (*f == '+') sp->plus = true;
		else if (*f == ' ') sp->space = true;
		else if (*f == '#') sp->alt = true;
		else break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + *f++ - '0';
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			sp->prec = sp->prec * 10 + *f++ - '0';
	}
	return f;
}

/* Length modifiers collapse to the argument's size in bytes. */
static const char *parse_length(const char *f, int *size)
{
	*size = 4;
	if (f[0] == 'h') {
		*size = f[1] == 'h' ? 1 : 2;
		f += 3 - *size;
	} else if (f[0] == 'l') {
		*size = 8;
		f += f[1] == 'l' ? 2 : 1;
	} else if (*f == 'z' || *f == 't' || *f == 'j') {
		*size = 8;
		f++;
	}
	return f;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap0)
{
	struct out o = { buf, size, 0 };
	struct spec sp;
	va_list ap;
	int argsize;

	va_copy(ap, ap0);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f = parse_spec(f + 1, &sp, &ap);
		f = parse_length(f, &argsize);
		switch (*f) {
		case 'd':
		case 'i': {
			int64_t v = argsize == 8 ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (argsize == 1)
				v = (signed char)v;
			else if (argsize == 2)
				v = (short)v;
			put_num(&o, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, false, &sp);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			uint64_t v = argsize == 8 ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			if (argsize < 4)
				v &= argsize == 1 ? 0xff : 0xffff;
			unsigned base = *f == 'u' ? 10 : *f == 'o' ? 8 : 16;
			put_num(&o, v, false, base, *f == 'X', &sp);
			break;
		}
		case 'p':
			sp.alt = true;
			put_num(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, &sp);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			put_str(&o, s ? s : "(null)", &sp);
			break;
		}
		case 'c': {
			char c[2] = { (char)va_arg(ap, int), 0 };
			sp.prec = 1;
			put_str(&o, c, &sp);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		default:	/* unknown conversion: show it rather than guess */
			put(&o, '%');
			if (!*f)
				goto done;
			put(&o, *f);
		}
	}
done:
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
