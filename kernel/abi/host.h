/*
 * The whole interface between the guest kernel and the host runner
 * (src/unipython/abi.py mirrors these numbers; a test checks they agree).
 *
 * Console:  the ISA serial port COM1 carries the app's stdout/stderr, byte
 *           for byte. Nothing else is ever written there except a kernel
 *           panic or crash report meant for people.
 * Control:  the ISA serial port COM2 carries machine-readable records, one
 *           per line, "key value...\n". The runner reads them after the VM
 *           ends: the exit status, boot statistics and raw backtrace
 *           addresses that the runner symbolizes from the kernel ELF.
 *           The other way, the runner sends the app's standard input on
 *           COM2 (when the command line says stdin=1, once the kernel says
 *           "input ready"), in frames:
 *           one type byte, a 16-bit big-endian length, that many bytes.
 * Exit:     a write to the isa-debug-exit port ends QEMU with status
 *           (value << 1) | 1. The value only says "the guest ended on
 *           purpose"; the exact status travels on the control channel.
 * Command line: space-separated key=value tokens, values percent-encoded
 *           (see core/cmdline.c). The image carries defaults in
 *           UPY_CONFIG_PATH in the same syntax; the command line adds to them.
 */
#ifndef UPY_ABI_HOST_H
#define UPY_ABI_HOST_H

#define UPY_CONSOLE_PORT 0x3f8
#define UPY_CONTROL_PORT 0x2f8
#define UPY_DEBUG_EXIT_PORT 0xf4

/* Values written to the debug-exit port. */
#define UPY_EXIT_APP 0x10   /* app called exit_group; status on control */
#define UPY_EXIT_PANIC 0x11 /* kernel panic or fatal app crash */

/* Control records (each a line on the control port):
 *   exit STATUS                 the app's exit status (0..255)
 *   killed SIGNO                the app died of a fatal signal
 *   deadlock                    every app thread waits for what cannot happen
 *   panic REASON...             a kernel panic
 *   bad-image REASON...         the image is damaged (its boot config); no frames
 *   frame ADDR                  one backtrace frame (hex), innermost first
 *   stat NAME VALUE             a boot/run statistic (decimal)
 *   input ready                 the kernel takes input frames from now on
 */

/* Input frames (runner to guest, on the control port). */
#define UPY_INPUT_DATA 'd' /* bytes for the app's stdin */
#define UPY_INPUT_EOF 'e'  /* length 0: stdin has ended */
#define UPY_INPUT_SIGNAL 's' /* length 1: a signal number for the app (Ctrl-C) */

#define UPY_CONFIG_PATH "/.unipython/config"

#endif
