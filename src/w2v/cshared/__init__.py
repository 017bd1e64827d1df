"""C declarations shared by w2v's compiled modules (``cimport`` only, nothing to import).

* ``w2v_platform.h``: portability shims (prefetch, atomics, 64-bit file offsets, fopen).
* ``w2v_slotqueue.h``: the blocking queue of batch slots between the reader and the workers.
* ``keytable.pxd``: an open-addressing hash table of byte strings, usable without the GIL.
* ``tokens.pxd``: the checks every sentence reader makes on its tokens.
"""
