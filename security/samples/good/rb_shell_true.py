# Good: argument lists, no shell (rule rb-shell-true must stay quiet).
import subprocess


def convert(name):
    # ok: rb-shell-true
    subprocess.run(["pdftotext", name, "-"], check=True)
    # ok: rb-shell-true
    subprocess.check_output(["qpdf", "--check", name], shell=False)
