"""Where a county or province run puts its bundles: the :class:`Output` interface and the one kind
there is today, :class:`SharedFolder` (a folder on this machine, or a shared file system such as NFS
or CephFS mounted at the same path on every machine of a cluster).

A village's bundle is written by :class:`docforge.writer.BundleWriter` into a folder of the file
system (it stages each packet in a temporary folder, renames it into place and reads the ``.done``
records of an earlier run to resume), so an output hands each village a folder to write
(:meth:`Output.village_dir`, asked on the worker) and is told there when the village is complete
(:meth:`Output.village_done`). The province summary goes through :meth:`Output.write`; the county
summaries are written by :func:`docforge.county.write_summary` into :meth:`Output.path` (another
kind of output would take them through ``write`` as well).

What object storage (S3, OSS, MinIO …) would need, as another :class:`Output`:

- ``village_dir`` returns a scratch folder on the worker's own disk, filled first with the village's
  finished packets' ``.done`` records and files from the store (so that the writer's resume rule,
  "a packet whose ``.done`` record and files match is not built again", still holds);
- ``village_done`` uploads what the scratch folder holds that the store lacks: each packet's files
  first and its ``.done`` record last, then ``manifest.json`` and its ``.sha256`` last of all (an
  object store has no rename: a reader takes a packet as complete only once its ``.done`` object
  exists, and a village only once its manifest exists), and removes packets of households no longer
  there; then the scratch folder is removed;
- ``write`` puts the summary object whole (object stores write an object atomically);
- the lock that keeps two runs out of one bundle folder (an ``flock`` on the folder) becomes a
  conditional put of a lock object, and ``docforge verify`` reads the store's listing.
"""

from __future__ import annotations

from pathlib import Path

from .fsutil import fsync_dir, write_atomic


class Output:
    """Where a run's bundles and summaries go (see the module docstring)."""

    def village_dir(self, *parts: str) -> Path:
        """The folder the bundle of the village at ``parts`` (county folder, village folder, relative
        to the run's output) is written in."""
        raise NotImplementedError

    def village_done(self, *parts: str) -> None:
        """The village's bundle in :meth:`village_dir` is complete (its manifest written)."""

    def write(self, relative: str, data: bytes) -> None:
        """Write a file of the run (a summary) whole, replacing an earlier one."""
        raise NotImplementedError

    def path(self, relative: str = "") -> Path:
        """Where ``relative`` is, for the messages and summaries that name it."""
        raise NotImplementedError


class SharedFolder(Output):
    """A folder every worker reaches at the same path: on one machine, any folder; on a cluster, a
    shared file system mounted at the same path everywhere."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def village_dir(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def write(self, relative: str, data: bytes) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, data)
        fsync_dir(target.parent)

    def path(self, relative: str = "") -> Path:
        return self.root / relative if relative else self.root
