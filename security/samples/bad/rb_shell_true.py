# Bad: commands through a shell (rule rb-shell-true).
import asyncio
import os
import subprocess
from subprocess import Popen


def convert(name):
    # ruleid: rb-shell-true
    subprocess.run(f"pdftotext {name} -", shell=True, check=True)
    # ruleid: rb-shell-true
    subprocess.check_output("qpdf --check " + name, shell=True)
    # ruleid: rb-shell-true
    Popen(["ls", name], shell=True)
    # ruleid: rb-shell-true
    os.system("rm -f " + name)
    # ruleid: rb-shell-true
    os.popen("cat " + name).read()
    # ruleid: rb-shell-true
    subprocess.getoutput("file " + name)


async def convert_async(name):
    # ruleid: rb-shell-true
    await asyncio.create_subprocess_shell("pdfinfo " + name)
