/* ELF64 types and constants for x86-64, as far as the module loader needs
 * them. Our own definitions from the System V gABI and the x86-64 psABI, so
 * kernel code never includes the host's <elf.h>. */
#ifndef OSPREY_MODULE_ELF_H
#define OSPREY_MODULE_ELF_H
#include <stdint.h>

typedef uint64_t Elf64_Addr;
typedef uint64_t Elf64_Off;
typedef uint16_t Elf64_Half;
typedef uint32_t Elf64_Word;
typedef int32_t  Elf64_Sword;
typedef uint64_t Elf64_Xword;
typedef int64_t  Elf64_Sxword;

#define EI_NIDENT	16
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define EI_OSABI	7
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define EV_CURRENT	1
#define ELFOSABI_SYSV	0
#define ELFOSABI_GNU	3

#define ET_DYN		3
#define EM_X86_64	62
#define PN_XNUM		0xffff

typedef struct {
	unsigned char e_ident[EI_NIDENT];
	Elf64_Half e_type;
	Elf64_Half e_machine;
	Elf64_Word e_version;
	Elf64_Addr e_entry;
	Elf64_Off e_phoff;
	Elf64_Off e_shoff;
	Elf64_Word e_flags;
	Elf64_Half e_ehsize;
	Elf64_Half e_phentsize;
	Elf64_Half e_phnum;
	Elf64_Half e_shentsize;
	Elf64_Half e_shnum;
	Elf64_Half e_shstrndx;
} Elf64_Ehdr;

/* Program headers */
#define PT_NULL		0
#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_NOTE		4
#define PT_SHLIB	5
#define PT_PHDR		6
#define PT_TLS		7
#define PT_GNU_EH_FRAME	0x6474e550
#define PT_GNU_STACK	0x6474e551
#define PT_GNU_RELRO	0x6474e552
#define PF_X		1
#define PF_W		2
#define PF_R		4

typedef struct {
	Elf64_Word p_type;
	Elf64_Word p_flags;
	Elf64_Off p_offset;
	Elf64_Addr p_vaddr;
	Elf64_Addr p_paddr;
	Elf64_Xword p_filesz;
	Elf64_Xword p_memsz;
	Elf64_Xword p_align;
} Elf64_Phdr;

/* Section headers */
#define SHN_UNDEF	0
#define SHN_ABS		0xfff1
#define SHN_COMMON	0xfff2
#define SHT_SYMTAB	2
#define SHT_STRTAB	3
#define SHT_NOBITS	8
#define SHT_DYNSYM	11

typedef struct {
	Elf64_Word sh_name;
	Elf64_Word sh_type;
	Elf64_Xword sh_flags;
	Elf64_Addr sh_addr;
	Elf64_Off sh_offset;
	Elf64_Xword sh_size;
	Elf64_Word sh_link;
	Elf64_Word sh_info;
	Elf64_Xword sh_addralign;
	Elf64_Xword sh_entsize;
} Elf64_Shdr;

/* Symbols */
typedef struct {
	Elf64_Word st_name;
	unsigned char st_info;
	unsigned char st_other;
	Elf64_Half st_shndx;
	Elf64_Addr st_value;
	Elf64_Xword st_size;
} Elf64_Sym;

#define ELF64_ST_BIND(i)	((i) >> 4)
#define ELF64_ST_TYPE(i)	((i) & 0xf)
#define ELF64_ST_VISIBILITY(o)	((o) & 3)
#define STB_LOCAL	0
#define STB_GLOBAL	1
#define STB_WEAK	2
#define STB_GNU_UNIQUE	10
#define STT_NOTYPE	0
#define STT_OBJECT	1
#define STT_FUNC	2
#define STT_SECTION	3
#define STT_FILE	4
#define STT_COMMON	5
#define STT_TLS		6
#define STT_GNU_IFUNC	10
#define STV_DEFAULT	0
#define STV_INTERNAL	1
#define STV_HIDDEN	2
#define STV_PROTECTED	3

/* Relocations with addend (x86-64 uses RELA only) */
typedef struct {
	Elf64_Addr r_offset;
	Elf64_Xword r_info;
	Elf64_Sxword r_addend;
} Elf64_Rela;

#define ELF64_R_SYM(i)	((uint32_t)((i) >> 32))
#define ELF64_R_TYPE(i)	((uint32_t)(i))
#define ELF64_R_INFO(s, t)	(((uint64_t)(s) << 32) | (uint32_t)(t))

/* x86-64 psABI relocation types */
#define R_X86_64_NONE			0
#define R_X86_64_64			1
#define R_X86_64_PC32			2
#define R_X86_64_GOT32			3
#define R_X86_64_PLT32			4
#define R_X86_64_COPY			5
#define R_X86_64_GLOB_DAT		6
#define R_X86_64_JUMP_SLOT		7
#define R_X86_64_RELATIVE		8
#define R_X86_64_GOTPCREL		9
#define R_X86_64_32			10
#define R_X86_64_32S			11
#define R_X86_64_16			12
#define R_X86_64_PC16			13
#define R_X86_64_8			14
#define R_X86_64_PC8			15
#define R_X86_64_DTPMOD64		16
#define R_X86_64_DTPOFF64		17
#define R_X86_64_TPOFF64		18
#define R_X86_64_TLSGD			19
#define R_X86_64_TLSLD			20
#define R_X86_64_DTPOFF32		21
#define R_X86_64_GOTTPOFF		22
#define R_X86_64_TPOFF32		23
#define R_X86_64_PC64			24
#define R_X86_64_GOTOFF64		25
#define R_X86_64_GOTPC32		26
#define R_X86_64_GOT64			27
#define R_X86_64_GOTPCREL64		28
#define R_X86_64_GOTPC64		29
#define R_X86_64_GOTPLT64		30
#define R_X86_64_PLTOFF64		31
#define R_X86_64_SIZE32			32
#define R_X86_64_SIZE64			33
#define R_X86_64_GOTPC32_TLSDESC	34
#define R_X86_64_TLSDESC_CALL		35
#define R_X86_64_TLSDESC		36
#define R_X86_64_IRELATIVE		37
#define R_X86_64_RELATIVE64		38
#define R_X86_64_GOTPCRELX		41
#define R_X86_64_REX_GOTPCRELX		42
#define R_X86_64_NUM			43

/* Dynamic section */
typedef struct {
	Elf64_Sxword d_tag;
	Elf64_Xword d_val;
} Elf64_Dyn;

#define DT_NULL			0
#define DT_NEEDED		1
#define DT_PLTRELSZ		2
#define DT_PLTGOT		3
#define DT_HASH			4
#define DT_STRTAB		5
#define DT_SYMTAB		6
#define DT_RELA			7
#define DT_RELASZ		8
#define DT_RELAENT		9
#define DT_STRSZ		10
#define DT_SYMENT		11
#define DT_INIT			12
#define DT_FINI			13
#define DT_SONAME		14
#define DT_RPATH		15
#define DT_SYMBOLIC		16
#define DT_REL			17
#define DT_RELSZ		18
#define DT_RELENT		19
#define DT_PLTREL		20
#define DT_DEBUG		21
#define DT_TEXTREL		22
#define DT_JMPREL		23
#define DT_BIND_NOW		24
#define DT_INIT_ARRAY		25
#define DT_FINI_ARRAY		26
#define DT_INIT_ARRAYSZ		27
#define DT_FINI_ARRAYSZ		28
#define DT_RUNPATH		29
#define DT_FLAGS		30
#define DT_PREINIT_ARRAY	32
#define DT_PREINIT_ARRAYSZ	33
#define DT_RELRSZ		35
#define DT_RELR			36
#define DT_RELRENT		37
#define DT_GNU_HASH		0x6ffffef5
#define DT_VERSYM		0x6ffffff0
#define DT_RELACOUNT		0x6ffffff9
#define DT_FLAGS_1		0x6ffffffb
#define DT_VERDEF		0x6ffffffc
#define DT_VERNEED		0x6ffffffe

#define DF_STATIC_TLS		0x10

#endif
