"""sigaltstack as on Linux, SS_AUTODISARM included: the handler runs with the alternate stack
disarmed (so it may set another one), the frame saves it, and sigreturn puts it back."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_autodisarm_clears_the_stack_in_the_handler_and_sigreturn_restores_it(
        same_as_host: SameAsHost) -> None:
    r = same_as_host(r"""
        import ctypes, errno, os, signal

        libc = ctypes.CDLL(None, use_errno=True)
        SS_ONSTACK, SS_DISABLE, SS_AUTODISARM = 1, 2, 1 << 31
        SA_SIGINFO, SA_ONSTACK = 4, 0x08000000

        class stack_t(ctypes.Structure):
            _fields_ = [("ss_sp", ctypes.c_void_p), ("ss_flags", ctypes.c_int), ("ss_size", ctypes.c_size_t)]

        HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)

        class sigaction_t(ctypes.Structure):
            _fields_ = [("sa_handler", HANDLER), ("sa_mask", ctypes.c_uint64 * 16), ("sa_flags", ctypes.c_int),
                        ("sa_restorer", ctypes.c_void_p)]

        def flags(f):
            names = [n for n, b in (("ONSTACK", SS_ONSTACK), ("DISABLE", SS_DISABLE), ("AUTODISARM", SS_AUTODISARM)) if f & b]
            return "|".join(names) or "0"

        def query():
            st = stack_t()
            assert libc.sigaltstack(None, ctypes.byref(st)) == 0
            return st

        def setstack(sp, size, f):
            r = libc.sigaltstack(ctypes.byref(stack_t(sp, f, size)), None)
            return r if r == 0 else errno.errorcode[ctypes.get_errno()]

        seen = []
        other = ctypes.create_string_buffer(1 << 20)

        def handler(signo, info, uc):
            st = query()
            # ucontext_t: uc_flags, uc_link, then uc_stack: what the frame saved.
            saved = stack_t.from_address(uc + 16)
            seen.append((flags(st.ss_flags), st.ss_size, flags(saved.ss_flags), saved.ss_size == 1 << 20,
                         "change:", setstack(ctypes.addressof(other), 1 << 20, 0)))

        keep = HANDLER(handler)
        act = sigaction_t(keep, (ctypes.c_uint64 * 16)(), SA_SIGINFO | SA_ONSTACK, None)
        assert libc.sigaction(signal.SIGUSR1, ctypes.byref(act), None) == 0

        stack = ctypes.create_string_buffer(1 << 20)
        for f in (0, SS_AUTODISARM):
            print("set", flags(f), setstack(ctypes.addressof(stack), 1 << 20, f))
            st = query()
            print(" reads", flags(st.ss_flags), st.ss_sp == ctypes.addressof(stack), st.ss_size)
            seen.clear()
            libc.raise_(signal.SIGUSR1) if hasattr(libc, "raise_") else getattr(libc, "raise")(signal.SIGUSR1)
            print(" in the handler", seen)
            st = query()
            print(" after sigreturn", flags(st.ss_flags), st.ss_sp == ctypes.addressof(stack), st.ss_size)
        print("bad mode", setstack(ctypes.addressof(stack), 1 << 20, 4))
        print("too small", setstack(ctypes.addressof(stack), 2047, SS_AUTODISARM))
        print("disable with autodisarm", setstack(0, 0, SS_DISABLE | SS_AUTODISARM), flags(query().ss_flags))
    """)
    assert "in the handler [('DISABLE', 0, 'AUTODISARM', True, 'change:', 0)]" in r.stdout
