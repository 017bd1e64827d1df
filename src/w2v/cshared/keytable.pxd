# cython: language_level=3
"""An open-addressing hash table from byte-string keys to int64 values, in insertion order.

Shared by the corpus-file reader (token bytes -> count, then row) and phrase detection (int32
id sequences, stored as their bytes -> count). Everything here is inline C that runs without
the GIL; the owning cdef class embeds a ``KeyTable``, sets it up with ``keytable_init`` and
releases it with ``keytable_free``.

Entries live in insertion order in ``entries`` and their keys back to back in ``pool``;
``slots`` (a power of two, at most half full) holds entry numbers, -1 for an empty slot, and
is probed linearly from ``hash & slot_mask``.
"""

from libc.stdint cimport int64_t, uint64_t
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcmp, memcpy, memmove, memset


cdef struct KeyEntry:
    int64_t offset     # of the key's bytes in the pool
    int64_t value
    uint64_t hash
    int64_t length     # of the key, in bytes


cdef struct KeyTable:
    char *pool
    int64_t pool_size
    int64_t pool_capacity
    KeyEntry *entries
    int64_t size
    int64_t capacity
    int64_t *slots
    int64_t slot_mask


cdef inline int keytable_init(KeyTable *table, int64_t expected, int64_t key_bytes) noexcept nogil:
    """Room for `expected` keys of about `key_bytes` bytes each. 0 on success, -1 without memory."""
    cdef int64_t n_slots = 16
    memset(table, 0, sizeof(KeyTable))
    table.capacity = expected if expected > 16 else 16
    while n_slots < 2 * table.capacity:
        n_slots *= 2
    table.pool_capacity = key_bytes * table.capacity
    table.pool = <char *>malloc(table.pool_capacity)
    table.entries = <KeyEntry *>malloc(table.capacity * sizeof(KeyEntry))
    table.slots = <int64_t *>malloc(n_slots * sizeof(int64_t))
    if table.pool == NULL or table.entries == NULL or table.slots == NULL:
        return -1
    table.slot_mask = n_slots - 1
    memset(table.slots, 0xFF, n_slots * sizeof(int64_t))  # every slot -1: empty
    return 0


cdef inline void keytable_free(KeyTable *table) noexcept nogil:
    free(table.pool)
    free(table.entries)
    free(table.slots)
    memset(table, 0, sizeof(KeyTable))


cdef inline char *keytable_key(const KeyTable *table, int64_t entry) noexcept nogil:
    """The bytes of entry `entry`'s key (``entries[entry].length`` of them)."""
    return table.pool + table.entries[entry].offset


cdef inline int64_t keytable_find(const KeyTable *table, const char *key, int64_t length,
                                  uint64_t hash) noexcept nogil:
    """The entry holding `key`, or -1."""
    cdef int64_t slot = hash & table.slot_mask
    cdef int64_t entry
    while True:
        entry = table.slots[slot]
        if entry < 0:
            return -1
        if (table.entries[entry].hash == hash and table.entries[entry].length == length
                and memcmp(table.pool + table.entries[entry].offset, key, length) == 0):
            return entry
        slot = (slot + 1) & table.slot_mask


cdef inline void keytable_place(KeyTable *table, int64_t entry) noexcept nogil:
    cdef int64_t slot = table.entries[entry].hash & table.slot_mask
    while table.slots[slot] >= 0:
        slot = (slot + 1) & table.slot_mask
    table.slots[slot] = entry


cdef inline void keytable_rehash(KeyTable *table) noexcept nogil:
    """Rebuild the slots from the entries (after they moved or their hashes changed)."""
    cdef int64_t i
    memset(table.slots, 0xFF, (table.slot_mask + 1) * sizeof(int64_t))
    for i in range(table.size):
        keytable_place(table, i)


cdef inline int keytable_reserve(KeyTable *table, int64_t length) noexcept nogil:
    """Room for one more entry of `length` bytes (growing and rehashing). 0 on success."""
    cdef char *pool
    cdef KeyEntry *entries
    cdef int64_t *slots
    cdef int64_t n_slots
    if table.pool_size + length > table.pool_capacity:
        pool = <char *>realloc(table.pool, 2 * table.pool_capacity + length)
        if pool == NULL:
            return -1
        table.pool = pool
        table.pool_capacity = 2 * table.pool_capacity + length
    if table.size == table.capacity:
        entries = <KeyEntry *>realloc(table.entries, 2 * table.capacity * sizeof(KeyEntry))
        if entries == NULL:
            return -1
        table.entries = entries
        table.capacity *= 2
    if 2 * (table.size + 1) > table.slot_mask + 1:
        n_slots = 2 * (table.slot_mask + 1)
        slots = <int64_t *>realloc(table.slots, n_slots * sizeof(int64_t))
        if slots == NULL:
            return -1
        table.slots = slots
        table.slot_mask = n_slots - 1
        keytable_rehash(table)
    return 0


cdef inline int64_t keytable_insert(KeyTable *table, const char *key, int64_t length, uint64_t hash,
                                    int64_t value) noexcept nogil:
    """Add a key known to be absent; its entry, or -1 when memory runs out."""
    cdef int64_t entry = table.size
    if keytable_reserve(table, length) != 0:
        return -1
    memcpy(table.pool + table.pool_size, key, length)
    table.entries[entry].offset = table.pool_size
    table.entries[entry].length = length
    table.entries[entry].hash = hash
    table.entries[entry].value = value
    table.pool_size += length
    table.size += 1
    keytable_place(table, entry)
    return entry


cdef inline void keytable_keep(KeyTable *table, int64_t entry, int64_t *kept,
                               int64_t *pool_size) noexcept nogil:
    """One step of dropping entries in place: scanning entries in order, move the kept entry
    `entry` (and its key) to position kept[0]. Finish with ``keytable_truncate``.

    Keys only move left, in order, so no key still to be read is overwritten.
    """
    memmove(table.pool + pool_size[0], table.pool + table.entries[entry].offset,
            table.entries[entry].length)
    table.entries[entry].offset = pool_size[0]
    pool_size[0] += table.entries[entry].length
    table.entries[kept[0]] = table.entries[entry]
    kept[0] += 1


cdef inline void keytable_truncate(KeyTable *table, int64_t kept, int64_t pool_size) noexcept nogil:
    """Keep the first `kept` entries (pool_size bytes of keys) and rebuild the slots."""
    table.size = kept
    table.pool_size = pool_size
    keytable_rehash(table)
