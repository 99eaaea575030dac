"""A stand-in for ``clamdscan --no-summary -`` in tests of the malware-scanning seam: it reads the
file on standard input and answers as ClamAV does (exit 0 and "stdin: OK" for a clean file,
exit 1 and "stdin: Eicar-Test-Signature FOUND" for one holding the EICAR test string, exit 2
when told to fail). Run as a real subprocess by ``core.files.run_scanner``."""

from __future__ import annotations

import sys

# The EICAR signature's distinctive part, split so this file is not itself "infected".
SIGNATURE = b"EICAR-STANDARD-" + b"ANTIVIRUS-TEST-FILE"


def main() -> int:
    data = sys.stdin.buffer.read()
    if "--fail" in sys.argv:
        print("ERROR: Can't connect to clamd", file=sys.stderr)
        return 2
    if SIGNATURE in data:
        print("stdin: Eicar-Test-Signature FOUND")
        return 1
    print("stdin: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
