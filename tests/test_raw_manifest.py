"""data/raw is immutable input: its MANIFEST must match the bytes, and every seed must be there verbatim."""
import hashlib

from conftest import RAW as FIXTURE_SEEDS, ROOT

RAW = ROOT / "data" / "raw"  # the analysts' raw directory: the seeds must stay there byte-for-byte


def _manifest():
    rows = {}
    for line in (RAW / "MANIFEST").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        rows[name.strip()] = digest
    return rows


def test_manifest_matches_raw_bytes():
    manifest = _manifest()
    # metadata.csv (the analyst's corrections) and README* are not raw plans and need no MANIFEST line
    files = sorted(p.name for p in RAW.iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.name not in ("MANIFEST", "metadata.csv") and not p.name.upper().startswith("README"))
    assert sorted(manifest) == files, "every raw file is listed in MANIFEST, and nothing else"
    for name, digest in manifest.items():
        assert hashlib.sha256((RAW / name).read_bytes()).hexdigest() == digest, f"{name} changed"


def test_the_tests_own_seed_copy_is_byte_for_byte():
    have = {hashlib.sha256(p.read_bytes()).hexdigest() for p in FIXTURE_SEEDS.glob("*.txt")}
    seeds = {hashlib.sha256(p.read_bytes()).hexdigest() for p in RAW.iterdir() if p.name in {q.name for q in FIXTURE_SEEDS.glob("*.txt")}}
    assert have == seeds and len(have) == 5
