UNIT_TESTS += printf cmdline
printf_SRCS := tests/unit/test_printf.c
cmdline_SRCS := tests/unit/test_cmdline.c kernel/cmdline.c
printf_DEPS := kernel/lib/printf.c
UNIT_TESTS += chacha20
chacha20_SRCS := tests/unit/test_chacha20.c kernel/lib/chacha20.c
UNIT_TESTS += avl
avl_SRCS := tests/unit/test_avl.c kernel/lib/avl.c
