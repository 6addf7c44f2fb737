/* Time: the TSC as the clock, the local APIC timer for one-shot interrupts,
 * and the IOAPIC for device interrupts. The TSC rate comes from the
 * hypervisor's CPUID leaf when present, else CPUID 0x15, else a short
 * calibration against PIT channel 0 (which needs no speaker port, absent
 * on microvm). The LAPIC timer is calibrated in the same window. */
#include "arch.h"
#include "arch/x86_64/cpu.h"
#include "mm/mm.h"
#include "dev/console.h"
#include "panic.h"
#include "sched/sched.h"
#include "arch/x86_64/smp.h"

#define LAPIC_ID	0x20
#define LAPIC_TPR	0x80
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR	0x390
#define LAPIC_TIMER_DIV	0x3e0
#define LAPIC_MASKED	(1 << 16)
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_ICR_PENDING (1 << 12)

#define TIMER_VECTOR	0xf0
#define SPURIOUS_VECTOR	0xff
#define PIT_HZ		1193182
#define CALIBRATE_US	2000

uint64_t tsc_hz;		/* set once at boot */
static uint64_t lapic_hz;	/* timer ticks per second, divider 1 */
static bool x2apic;
static volatile uint32_t *lapic_mmio;

void irq_set_handler(int vector, irq_handler_t fn, void *arg);
void ioapic_init(void);

static uint32_t lapic_read(uint32_t reg)
{
	return x2apic ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : lapic_mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

static uint16_t pit_read(void)
{
	outb(0x43, 0x00);		/* latch channel 0 */
	uint8_t lo = inb(0x40);
	return lo | inb(0x40) << 8;
}

/* Measures TSC and LAPIC ticks over CALIBRATE_US of PIT time. */
static int calibrate(uint64_t *tsc_per_s, uint64_t *lapic_per_s)
{
	outb(0x43, 0x34);		/* channel 0, lo/hi, mode 2 */
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	uint32_t target = (uint64_t)PIT_HZ * CALIBRATE_US / 1000000;
	uint16_t prev = pit_read();
	uint32_t elapsed = 0;
	lapic_write(LAPIC_TIMER_DIV, 0xb);	/* divide by 1 */
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	for (uint64_t spins = 0; elapsed < target; spins++) {
		uint16_t now = pit_read();
		elapsed += (uint16_t)(prev - now);
		prev = now;
		if (spins > 10000000)
			return -1;	/* no PIT */
	}
	uint64_t t1 = rdtsc();
	uint32_t lapic_ticks = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	*tsc_per_s = (t1 - t0) * PIT_HZ / elapsed;
	*lapic_per_s = (uint64_t)lapic_ticks * PIT_HZ / elapsed;
	return 0;
}

/* Hypervisor timing leaf (KVM/QEMU, VMware style): TSC and APIC bus kHz. */
static void freqs_from_cpuid(uint64_t *tsc, uint64_t *bus)
{
	uint32_t r[4];

	*tsc = *bus = 0;
	cpuid(0x40000000, 0, r);
	if (r[0] >= 0x40000010 && r[0] < 0x40010000) {
		cpuid(0x40000010, 0, r);
		*tsc = (uint64_t)r[0] * 1000;
		*bus = (uint64_t)r[1] * 1000;
		return;
	}
	cpuid(0, 0, r);
	if (r[0] >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2])
			*tsc = (uint64_t)r[2] * r[1] / r[0];
	}
}

static void timer_irq(void *arg)
{
	timer_interrupt();
}

/* This CPU's local APIC, in the mode the boot CPU chose (every CPU's
 * registers are at the same address, each CPU reaching its own). */
void lapic_cpu_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base | (1 << 11) | (x2apic ? 1 << 10 : 0));
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	lapic_write(LAPIC_LVT_TIMER, LAPIC_MASKED | TIMER_VECTOR);
}

static void lapic_init(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	x2apic = r[2] & (1 << 21);
	if (!x2apic) {
		lapic_mmio = ioremap(rdmsr(MSR_APIC_BASE) & ~0xfffUL, 4096);
		if (!lapic_mmio)
			panic("lapic: cannot map registers");
	}
	lapic_cpu_init();
	irq_set_handler(TIMER_VECTOR, timer_irq, NULL);
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

/* Interrupts off: the two xAPIC writes must not be split by another send. */
void lapic_send(uint32_t apic_id, uint32_t icr_lo)
{
	if (x2apic) {
		wrmsr(0x830, (uint64_t)apic_id << 32 | icr_lo);
		return;
	}
	while (lapic_read(LAPIC_ICR_LO) & LAPIC_ICR_PENDING)
		cpu_relax();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, icr_lo);
}

void lapic_timer_oneshot(uint64_t ns)
{
	uint64_t ticks = ns * lapic_hz / 1000000000;

	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffff)
		ticks = 0xffffffff;
	lapic_write(LAPIC_LVT_TIMER, TIMER_VECTOR);	/* one-shot */
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

/* The legacy PIC is masked: all interrupts go through the APICs. */
static void pic_disable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

void arch_time_init(void)
{
	uint64_t measured_tsc = 0;

	pic_disable();
	lapic_init();
	ioapic_init();
	freqs_from_cpuid(&tsc_hz, &lapic_hz);
	if (!tsc_hz || !lapic_hz) {
		uint64_t bus_hz = lapic_hz;
		if (calibrate(&measured_tsc, &lapic_hz) < 0)
			panic("time: no PIT to calibrate the TSC and LAPIC timer against");
		if (!tsc_hz)
			tsc_hz = measured_tsc;
		if (bus_hz)
			lapic_hz = bus_hz;
	}
	pr_info("time: TSC %lu kHz, LAPIC timer %lu kHz, %s\n", tsc_hz / 1000,
	    lapic_hz / 1000, x2apic ? "x2APIC" : "xAPIC");
}

/* The CMOS real-time clock, read once at boot for the wall clock. */
static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned from_bcd(uint8_t v, bool bcd)
{
	return bcd ? (v & 15) + (v >> 4) * 10 : v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint64_t rtc_read_unix(void)
{
	for (int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
		cpu_relax();	/* update in progress */
	uint8_t b = cmos_read(0x0b);
	if (b == 0xff)
		return 0;	/* no RTC */
	bool bcd = !(b & 0x04);
	unsigned sec = from_bcd(cmos_read(0x00), bcd);
	unsigned min = from_bcd(cmos_read(0x02), bcd);
	uint8_t hraw = cmos_read(0x04);
	unsigned hour = from_bcd(hraw & 0x7f, bcd);
	unsigned day = from_bcd(cmos_read(0x07), bcd);
	unsigned mon = from_bcd(cmos_read(0x08), bcd);
	unsigned year = from_bcd(cmos_read(0x09), bcd) + 2000;
	if (!(b & 0x02) && (hraw & 0x80))
		hour = (hour % 12) + 12;	/* 12-hour mode, PM */
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return 0;
	return (uint64_t)(days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec);
}
