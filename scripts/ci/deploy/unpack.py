#!/usr/bin/env python3
"""Unpacks a Lambda deployment package the way Lambda does: every entry, with the file mode the zip
records (a bootstrap zipped without its executable bit then fails to start, as in Lambda).

Usage: unpack.py ZIP DIR
"""

import os
import sys
import zipfile


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with zipfile.ZipFile(sys.argv[1]) as z:
        for info in z.infolist():
            path = z.extract(info, sys.argv[2])
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(path, mode)


if __name__ == "__main__":
    main()
