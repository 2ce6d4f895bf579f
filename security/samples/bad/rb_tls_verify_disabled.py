# Bad: TLS certificate checks switched off (rule rb-tls-verify-disabled).
import ssl

import httpx
import requests


def fetch_timestamp(url, body):
    # ruleid: rb-tls-verify-disabled
    requests.post(url, data=body, verify=False, timeout=10)
    # ruleid: rb-tls-verify-disabled
    requests.get(url, verify=False)
    # ruleid: rb-tls-verify-disabled
    httpx.get(url, verify=False)
    session = requests.Session()
    # ruleid: rb-tls-verify-disabled
    session.verify = False
    # ruleid: rb-tls-verify-disabled
    session.post(url, data=body, verify=False)
    # ruleid: rb-tls-verify-disabled
    return ssl._create_unverified_context()
