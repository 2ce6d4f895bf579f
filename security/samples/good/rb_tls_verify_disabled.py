# Good: certificates verified (rule rb-tls-verify-disabled must stay quiet).
import requests


def fetch_timestamp(url, body, ca_file):
    # ok: rb-tls-verify-disabled
    requests.post(url, data=body, timeout=10)
    # ok: rb-tls-verify-disabled
    return requests.get(url, verify=ca_file, timeout=10)
