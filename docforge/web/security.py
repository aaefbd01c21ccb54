"""CSRF tokens, the password gate with its rate limit, and the checks every upload passes.

- CSRF: a random token in a ``SameSite=Strict`` cookie; every POST must repeat it in the form field
  ``csrf`` or the ``X-CSRF-Token`` header (htmx sends the header), compared in constant time.
- Password: only when the server listens beyond this machine. Compared with
  :func:`hmac.compare_digest`; after :data:`MAX_FAILURES` wrong passwords from one address within
  :data:`WINDOW` seconds, that address waits.
- Uploads: a size limit read before the file is, a type check on the bytes themselves (a renamed
  binary is refused), and for .xlsx the zip's declared and real sizes (a zip bomb is refused
  before any XML is parsed).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
import zipfile
from collections import defaultdict, deque
from dataclasses import dataclass
from io import BytesIO

from ..i18n import _

CSRF_COOKIE = "docforge_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SESSION_COOKIE = "docforge_session"

MAX_FAILURES = 5
WINDOW = 60.0

MAX_ROSTER_BYTES = 20 * 1024 * 1024  # a village's roster is a few hundred KB
MAX_YAML_BYTES = 1024 * 1024
MAX_XLSX_UNPACKED = 200 * 1024 * 1024  # what openpyxl would inflate
MAX_XLSX_RATIO = 100  # deflate of real sheets stays well under this; a bomb is far above
#: A request body larger than this is refused before it is read (the largest upload plus the form).
MAX_BODY_BYTES = MAX_ROSTER_BYTES + 64 * 1024


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two secrets (False if either is missing)."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class RateLimiter:
    """Wrong passwords per client address, in a sliding window."""

    def __init__(self, limit: int = MAX_FAILURES, window: float = WINDOW):
        self.limit, self.window = limit, window
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, who: str, now: float) -> deque[float]:
        q = self._fails[who]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked_for(self, who: str) -> float:
        """Seconds ``who`` must still wait (0: may try)."""
        with self._lock:
            now = time.monotonic()
            q = self._prune(who, now)
            if len(q) < self.limit:
                return 0.0
            return max(0.0, self.window - (now - q[0]))

    def failed(self, who: str) -> None:
        with self._lock:
            self._prune(who, time.monotonic()).append(time.monotonic())

    def succeeded(self, who: str) -> None:
        with self._lock:
            self._fails.pop(who, None)


@dataclass
class UploadRefused(Exception):
    message: str

    def __str__(self) -> str:
        return self.message


def check_roster_upload(filename: str, data: bytes) -> str:
    """The roster's type (``.xlsx`` or ``.csv``) if its bytes are what its name says; else UploadRefused."""
    name = filename or _("(unnamed file)")
    if len(data) > MAX_ROSTER_BYTES:
        raise UploadRefused(_("{file}: too large ({size} MB); a roster may have at most {limit} MB",
                              file=name, size=len(data) // 1024 // 1024, limit=MAX_ROSTER_BYTES // 1024 // 1024))
    if not data:
        raise UploadRefused(_("{file}: the file is empty", file=name))
    lower = name.lower()
    if lower.endswith(".xlsx"):
        check_xlsx(name, data)
        return ".xlsx"
    if lower.endswith(".csv"):
        check_text(name, data)
        return ".csv"
    raise UploadRefused(_("{file}: only an Excel workbook (.xlsx) or a CSV file (.csv) is accepted; save an old "
                          ".xls as .xlsx in Excel", file=name))


def check_xlsx(name: str, data: bytes) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRefused(_("{file}: not an Excel workbook (its content is not .xlsx: another file renamed?); "
                              "open it in Excel and save it as .xlsx", file=name))
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise UploadRefused(_("{file}: a zip archive but not an Excel workbook (no xl/workbook.xml); "
                                      "upload an .xlsx saved by Excel", file=name))
            declared = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if declared > MAX_XLSX_UNPACKED or declared / packed > MAX_XLSX_RATIO:
                raise UploadRefused(_("{file}: unpacks to {size} MB ({ratio}:1), a zip bomb by the look of it: "
                                      "refused; upload the roster itself", file=name,
                                      size=declared // 1024 // 1024, ratio=declared // packed))
            # the declared sizes may lie: inflate with a hard cap
            total = 0
            for info in infos:
                with z.open(info) as f:
                    while chunk := f.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_UNPACKED:
                            raise UploadRefused(_("{file}: unpacks to more than {limit} MB, a zip bomb by the "
                                                  "look of it: refused", file=name,
                                                  limit=MAX_XLSX_UNPACKED // 1024 // 1024))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as e:
        raise UploadRefused(_("{file}: the Excel file is damaged and cannot be read ({reason}); save it again "
                              "and upload it", file=name, reason=e)) from None


def check_text(name: str, data: bytes) -> None:
    head = data[:65536]
    if b"\x00" in head:
        raise UploadRefused(_("{file}: not a CSV text file (it holds binary content: another file renamed?); "
                              "save it as CSV in Excel, or upload the .xlsx", file=name))
    for enc in ("utf-8-sig", "gb18030"):
        try:
            head.decode(enc)
            return
        except UnicodeDecodeError as e:
            if enc == "utf-8-sig" and e.start > len(head) - 4:
                return  # a character cut at the sample's end
    raise UploadRefused(_("{file}: the text is neither UTF-8 nor GBK; save it as a UTF-8 CSV", file=name))


def check_yaml_upload(filename: str, data: bytes) -> str:
    name = filename or _("(unnamed file)")
    if len(data) > MAX_YAML_BYTES:
        raise UploadRefused(_("{file}: too large; a village file may have at most {limit} KB", file=name,
                              limit=MAX_YAML_BYTES // 1024))
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        raise UploadRefused(_("{file}: upload a village file (.yaml, .yml or .json)", file=name))
    if b"\x00" in data:
        raise UploadRefused(_("{file}: not a text file", file=name))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UploadRefused(_("{file}: not UTF-8 text (byte {byte}); save it as UTF-8", file=name,
                              byte=e.start)) from None
