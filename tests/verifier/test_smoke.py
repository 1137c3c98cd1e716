"""The service starts on both backends and answers its health check."""

from __future__ import annotations

from tests.verifier.conftest import Verifier


def test_health_and_security_headers(verifier: Verifier) -> None:
    with verifier.client() as client:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        missing = client.get("/no/such/page", headers={"Accept": "text/html"})
        assert missing.status_code == 404 and "<html" in missing.text
        assert "Traceback" not in missing.text
        metrics = client.get("/metrics")
        assert "shangpin_http_requests" in metrics.text
