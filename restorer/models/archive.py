"""Checking a zip-based model file before anything reads it, and reading its members safely.

PyTorch checkpoints and TorchScript archives are zip files. Three tricks turn a small
zip into trouble, and each is refused here from the central directory alone, before a
single member is decompressed:

- **a bomb**: a member that inflates far beyond its stored size (one 2 GiB storage of
  zeros deflates to 2 MB). `torch.save` stores members uncompressed, so a real
  checkpoint's ratio is 1; more than `MAX_RATIO` is refused, as is a declared total
  beyond `MAX_TOTAL_BYTES`.
- **duplicate names**: two `data.pkl` entries. `zipfile` and torch read only one of
  them, so a scan of "the" pickle could check the benign one while another is loaded.
- **overlapping entries**: two directory entries sharing bytes (the classic overlapping
  zip bomb), or an entry running into the central directory.

`read_member` then reads one member in blocks, stopping as soon as it passes its cap or
the ratio limit, whatever the header claimed.
"""

from __future__ import annotations

import io
import struct
import zipfile

MAX_RATIO = 20  # uncompressed / compressed; real checkpoints are stored (ratio 1)
MAX_TOTAL_BYTES = 64 * 1024**3  # no image model Restorer runs comes near this
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_MAGIC = b"PK\x03\x04"
_BLOCK = 1024 * 1024


class ArchiveError(ValueError):
    """A zip-based model file is built in a way no honest checkpoint is."""


class HiddenEntryError(ArchiveError):
    """Entries that hide one another (duplicate names, shared bytes): a scan could
    check one member while a loader reads another."""


def check_archive(archive: zipfile.ZipFile, file_size: int) -> None:
    """Refuse duplicate names, overlapping entries, and members that inflate too far."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        seen: set[str] = set()
        twice = next(name for name in names if name in seen or seen.add(name))
        raise HiddenEntryError(f"it has two entries named {twice}")
    end_of_data = archive.start_dir
    if end_of_data > file_size:
        raise ArchiveError("its directory points past the end of the file")
    total = 0
    previous_end, previous_name = 0, ""
    fp = archive.fp
    for info in sorted(infos, key=lambda item: item.header_offset):
        if info.flag_bits & 0x1:
            raise ArchiveError(f"its entry {info.filename} is encrypted")
        if info.header_offset < previous_end:
            raise HiddenEntryError(f"its entries {previous_name} and {info.filename} overlap")
        fp.seek(info.header_offset)
        header = fp.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_MAGIC:
            raise ArchiveError(f"its entry {info.filename} has no valid local header")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        data_start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
        end = data_start + info.compress_size
        if info.flag_bits & 0x8:
            end += 12  # the data descriptor after the data (16 with its signature)
        if end > end_of_data:
            raise ArchiveError(f"its entry {info.filename} runs past the data")
        previous_end, previous_name = data_start + info.compress_size, info.filename
        _check_ratio(info)
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise ArchiveError("its members add up to more than any model Restorer reads")


def _check_ratio(info: zipfile.ZipInfo) -> None:
    if info.compress_type == zipfile.ZIP_STORED:
        if info.file_size != info.compress_size:
            raise ArchiveError(f"its stored entry {info.filename} has two different sizes")
        return
    if info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ArchiveError(
            f"its entry {info.filename} would inflate {info.compress_size} bytes to "
            f"{info.file_size} (a zip bomb)"
        )


def read_member(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    """The bytes of member `name`, read in blocks; more than `cap` bytes, or more than
    `MAX_RATIO` times what is stored, stops the read at once (whatever the header says)."""
    info = archive.getinfo(name)
    if info.file_size > cap:
        raise ArchiveError(f"its entry {name} is implausibly large ({info.file_size} bytes)")
    _check_ratio(info)
    limit = min(cap, MAX_RATIO * max(info.compress_size, 1))
    out = io.BytesIO()
    with archive.open(info) as stream:
        while True:
            block = stream.read(_BLOCK)
            if not block:
                break
            out.write(block)
            if out.tell() > limit:
                raise ArchiveError(f"its entry {name} inflates beyond its declared size")
    return out.getvalue()
