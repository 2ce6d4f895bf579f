"""Records without WeasyPrint and pyHanko, for tests that only need a decided stage.

Rendering and signing a record takes seconds; loading the signing key takes about 0.2 s and happens twice per
decision (the record and the audit checkpoint). Unless a test is marked ``real_records``, tests/conftest.py
swaps in :func:`stub_records`: each record is stored as in production (row, version, hashes, audit event,
checkpoint) but its bytes are a placeholder naming the record, and the key is loaded once per configuration. A
system certificate's PDF is a placeholder the same way (its DSSE envelope is signed for real).
"""

from __future__ import annotations

_SIGNERS: dict[tuple, object] = {}


def placeholder_pdf(data: dict) -> bytes:
    """Distinct bytes per record and version, so their file hashes differ as real records' do."""
    return f"%PDF-1.7\n% {data['record_id']} v{data['version']} {data['content_sha256']}\n%%EOF\n".encode()


def stub_records(monkeypatch) -> list[dict]:
    """Patch rendering, signing and key loading; returns the list of each issued record's data."""
    from reviewboard.certificates import pdf as certificate_pdf
    from reviewboard.records import keys, pdf, services

    issued: list[dict] = []
    real_load_signer = keys.load_signer

    def render(data, **_kw):
        issued.append(data)
        return placeholder_pdf(data)

    def cached_load_signer(key_path, cert_path, chain_paths=(), **kwargs):
        key = (str(key_path), str(cert_path), tuple(map(str, chain_paths)), *sorted(kwargs.items()))
        if key not in _SIGNERS:
            _SIGNERS[key] = real_load_signer(key_path, cert_path, chain_paths, **kwargs)
        return _SIGNERS[key]

    monkeypatch.setattr(pdf, "render_record_pdf", render)
    monkeypatch.setattr(services, "sign_pdf", lambda unsigned, *_args, **_kw: unsigned)
    monkeypatch.setattr(keys, "load_signer", cached_load_signer)  # current_signer() loads through it
    # system certificates: their envelopes are signed for real (milliseconds), their PDFs are placeholders too
    monkeypatch.setattr(certificate_pdf, "render_certificate_pdf", lambda statement: (
        f"%PDF-1.7\n% certificate {statement['predicate']['certificate_id']}\n%%EOF\n".encode()))
    monkeypatch.setattr(certificate_pdf, "sign_pdf", lambda unsigned, *_args, **_kw: unsigned)
    return issued
