"""Reading and writing processed tables: Parquet plus a UTF-8-with-BOM CSV copy, written atomically.

pandas and pyarrow are imported by the functions that read or write a table, not by this module: the
atomic writers serve the build's state and caches too, and a build that changed nothing imports neither."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from compare.core import schema

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to path via a temporary file in the same directory and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates 0600 files; outputs are shared (colleagues, a web server), so use the umask
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def _csv_copy(df: pd.DataFrame) -> pd.DataFrame:
    """Lists become `；`-joined strings so Excel shows them in one cell. Only columns of a dtype that
    can hold a list are looked at (numbers, booleans, dates and strings cannot): the others are most
    of a table's cells, and visiting each one in Python cost more than writing the CSV."""
    import pandas as pd

    out = None
    for col in df.columns:
        dtype = df[col].dtype
        if isinstance(dtype, pd.StringDtype) or pd.api.types.is_numeric_dtype(dtype) or \
                pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
            continue
        values = df[col].tolist()
        if any(isinstance(v, (list, tuple)) for v in values):
            if out is None:
                out = df.copy()
            out[col] = pd.Series([("；".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for v in values],
                                 index=df.index, dtype=object)
    return out if out is not None else df


def csv_bytes(df: pd.DataFrame, *, float_format: str | None = None) -> bytes:
    """The project's one CSV form: UTF-8 with BOM (Excel opens it with Chinese intact), "\n" line ends,
    no index, list columns joined with `；`."""
    return _csv_copy(df).to_csv(index=False, lineterminator="\n", float_format=float_format).encode("utf-8-sig")


def write_table(df: pd.DataFrame, name: str, out_dir: str | Path) -> Path:
    """Validate df against the contract and write `<name>.parquet` and `<name>.csv` atomically.

    Output is byte-for-byte deterministic for the same DataFrame (no timestamps in the files).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    out_dir = Path(out_dir)
    df = schema.validate(df, name).reset_index(drop=True)
    table = pa.Table.from_pandas(df, schema=schema.arrow_schema(name, df), preserve_index=False)
    table = table.replace_schema_metadata(None)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    path = out_dir / f"{name}.parquet"
    atomic_write_bytes(path, sink.getvalue().to_pybytes())
    atomic_write_bytes(out_dir / f"{name}.csv", csv_bytes(df))
    return path


def read_table(name: str, processed_dir: str | Path) -> pd.DataFrame:
    """Read `<name>.parquet` from processed_dir, checked against the contract. List columns come back as lists."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(processed_dir) / f"{name}.parquet"
    if not path.is_file():
        from compare.core.errors import EmptyCorpusError

        raise EmptyCorpusError(f"{path} does not exist: run `python -m compare ingest` (and `themes`) first")
    from compare.core.errors import SchemaError

    hint = "re-run `python -m compare ingest` (and `themes`) to rewrite it"
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise SchemaError(f"not a readable Parquet table ({type(exc).__name__}: {exc}); {hint}",
                          path=path, table=name) from None
    contract = {c.name: c.type for c in schema.columns(name)}
    for fld in table.schema:
        want = contract.get(fld.name)
        if want is not None and not _same_type(fld.type, want):
            raise SchemaError(f"column {fld.name!r} is {fld.type}, the {name} table's contract says {want}; {hint}",
                              path=path, table=name, column=fld.name)
    df = table.to_pandas()
    for c in schema.columns(name):
        if pa.types.is_list(c.type) and c.name in df.columns:
            df[c.name] = df[c.name].map(lambda v: list(v) if v is not None else [])
    try:
        return schema.validate(df, name)
    except SchemaError as exc:
        raise SchemaError(f"{exc.reason}; {hint}", path=path, table=name, column=exc.column) from None


def _same_type(got: pa.DataType, want: pa.DataType) -> bool:
    """Arrow types equal up to string/large_string, list/large_list and an all-null column."""
    import pyarrow as pa

    if got == want or pa.types.is_null(got):
        return True
    if pa.types.is_string(want) or pa.types.is_large_string(want):
        return pa.types.is_string(got) or pa.types.is_large_string(got)
    if pa.types.is_list(want) and (pa.types.is_list(got) or pa.types.is_large_list(got)):
        return _same_type(got.value_type, want.value_type)
    return False
