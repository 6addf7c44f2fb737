#ifndef OSPREY_SPL_SYS_CTYPE_H
#define OSPREY_SPL_SYS_CTYPE_H

#define isdigit(c)	((c) >= '0' && (c) <= '9')
#define isupper(c)	((c) >= 'A' && (c) <= 'Z')
#define islower(c)	((c) >= 'a' && (c) <= 'z')
#define isalpha(c)	(isupper(c) || islower(c))
#define isalnum(c)	(isalpha(c) || isdigit(c))
#define isspace(c)	((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))
#define isxdigit(c)	(isdigit(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define isprint(c)	((c) >= 0x20 && (c) < 0x7f)
#define iscntrl(c)	((unsigned)(c) < 0x20 || (c) == 0x7f)
#define ispunct(c)	(isprint(c) && !isalnum(c) && (c) != ' ')
#define isgraph(c)	(isprint(c) && (c) != ' ')
#define toupper(c)	(islower(c) ? (c) - 'a' + 'A' : (c))
#define tolower(c)	(isupper(c) ? (c) - 'A' + 'a' : (c))

#endif
