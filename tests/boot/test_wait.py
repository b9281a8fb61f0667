"""Waiting for children: the one process never has any, so waits say ECHILD as Linux does."""

from __future__ import annotations

from tests.boot.conftest import SameAsHost


def test_waits_find_no_children_after_linux_checks_their_arguments(
    same_as_host: SameAsHost,
) -> None:
    same_as_host("""
        import errno, os
        def attempt(label, f):
            try:
                print(label, f())
            except OSError as e:
                print(label, errno.errorcode[e.errno])
        attempt("waitpid any", lambda: os.waitpid(-1, os.WNOHANG))
        attempt("waitpid blocking", lambda: os.waitpid(-1, 0))
        attempt("waitpid a pid", lambda: os.waitpid(12345, 0))
        attempt("waitpid a group", lambda: os.waitpid(0, os.WUNTRACED | os.WCONTINUED))
        attempt("waitpid bad options", lambda: os.waitpid(-1, 0x100))
        attempt("waitpid INT_MIN", lambda: os.waitpid(-2**31, 0))
        attempt("wait", os.wait)
        attempt("wait3", lambda: os.wait3(os.WNOHANG))
        attempt("wait4", lambda: os.wait4(-1, 0))
        attempt("waitid all", lambda: os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG))
        attempt("waitid stopped", lambda: os.waitid(os.P_PGID, 0, os.WSTOPPED | os.WNOWAIT))
        attempt("waitid no event", lambda: os.waitid(os.P_ALL, 0, os.WNOHANG))
        attempt("waitid bad option", lambda: os.waitid(os.P_ALL, 0, os.WEXITED | 0x100))
        attempt("waitid pid 0", lambda: os.waitid(os.P_PID, 0, os.WEXITED))
        attempt("waitid group -1", lambda: os.waitid(os.P_PGID, -1, os.WEXITED))
        attempt("waitid bad idtype", lambda: os.waitid(9, 0, os.WEXITED))
        own = os.pidfd_open(os.getpid())
        attempt("waitid own pidfd", lambda: os.waitid(os.P_PIDFD, own, os.WEXITED))
        attempt("waitid not a pidfd", lambda: os.waitid(os.P_PIDFD, 1, os.WEXITED))
        attempt("waitid closed fd", lambda: os.waitid(os.P_PIDFD, 999, os.WEXITED))
    """)
