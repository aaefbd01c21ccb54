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
    name = filename or "(无名文件)"
    if len(data) > MAX_ROSTER_BYTES:
        raise UploadRefused(f"{name}：文件过大（{len(data) // 1024 // 1024} MB），户花名册不能超过 "
                            f"{MAX_ROSTER_BYTES // 1024 // 1024} MB")
    if not data:
        raise UploadRefused(f"{name}：文件是空的")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        check_xlsx(name, data)
        return ".xlsx"
    if lower.endswith(".csv"):
        check_text(name, data)
        return ".csv"
    raise UploadRefused(f"{name}：只接受 Excel 工作簿（.xlsx）或 CSV 文件（.csv）；旧版 .xls 请在 Excel 中另存为 .xlsx")


def check_xlsx(name: str, data: bytes) -> None:
    if not data.startswith(b"PK\x03\x04"):
        raise UploadRefused(f"{name}：不是 Excel 工作簿（内容不是 .xlsx 格式，可能是改了扩展名的其他文件）；"
                            f"请在 Excel 中打开并另存为 .xlsx")
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise UploadRefused(f"{name}：是压缩包但不是 Excel 工作簿（缺少 xl/workbook.xml）；请上传 Excel 保存的 .xlsx")
            declared = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if declared > MAX_XLSX_UNPACKED or declared / packed > MAX_XLSX_RATIO:
                raise UploadRefused(f"{name}：解压后过大（{declared // 1024 // 1024} MB，压缩比 {declared // packed}:1），"
                                    f"疑似压缩炸弹，已拒绝；请上传正常的户花名册")
            # the declared sizes may lie: inflate with a hard cap
            total = 0
            for info in infos:
                with z.open(info) as f:
                    while chunk := f.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_XLSX_UNPACKED:
                            raise UploadRefused(f"{name}：解压后超过 {MAX_XLSX_UNPACKED // 1024 // 1024} MB，"
                                                f"疑似压缩炸弹，已拒绝")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as e:
        raise UploadRefused(f"{name}：Excel 文件已损坏，无法读取（{e}）；请重新保存后上传") from None


def check_text(name: str, data: bytes) -> None:
    head = data[:65536]
    if b"\x00" in head:
        raise UploadRefused(f"{name}：不是文本格式的 CSV（内含二进制内容，可能是改了扩展名的其他文件）；"
                            f"请在 Excel 中另存为 CSV 或直接上传 .xlsx")
    for enc in ("utf-8-sig", "gb18030"):
        try:
            head.decode(enc)
            return
        except UnicodeDecodeError as e:
            if enc == "utf-8-sig" and e.start > len(head) - 4:
                return  # a character cut at the sample's end
    raise UploadRefused(f"{name}：无法识别文字编码（不是 UTF-8 或 GBK）；请另存为 UTF-8 编码的 CSV")


def check_yaml_upload(filename: str, data: bytes) -> str:
    name = filename or "(无名文件)"
    if len(data) > MAX_YAML_BYTES:
        raise UploadRefused(f"{name}：文件过大，村情文件不能超过 {MAX_YAML_BYTES // 1024} KB")
    if not name.lower().endswith((".yaml", ".yml", ".json")):
        raise UploadRefused(f"{name}：请上传村情文件（.yaml、.yml 或 .json）")
    if b"\x00" in data:
        raise UploadRefused(f"{name}：不是文本文件")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UploadRefused(f"{name}: not UTF-8 text (byte {e.start}); save it as UTF-8") from None
