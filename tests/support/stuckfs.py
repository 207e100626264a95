"""A FUSE filesystem of one regular file, `stuck`, whose reads take 5 s to answer: what a file
behind a hung mount or a process whose mmap lock is held looks like to memlens.

Usage: /usr/bin/python3 stuckfs.py MOUNTPOINT   (Debian's python3-fusepy and fuse3)
"""
import stat
import sys
import time

from fusepy import FUSE, Operations


class Stuck(Operations):
    def getattr(self, path, fh=None):
        if path == "/":
            return dict(st_mode=stat.S_IFDIR | 0o755, st_nlink=2)
        if path == "/stuck":
            return dict(st_mode=stat.S_IFREG | 0o444, st_nlink=1, st_size=4096)
        raise FileNotFoundError(path)

    def readdir(self, path, fh):
        return [".", "..", "stuck"]

    def read(self, path, size, offset, fh):
        time.sleep(5)
        return b""


if __name__ == "__main__":
    FUSE(Stuck(), sys.argv[1], foreground=True, ro=True, allow_other=True)
