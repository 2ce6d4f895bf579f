# Bad: WeasyPrint with its default (unrestricted) URL fetcher (rule rb-weasyprint-unrestricted-fetcher).
import weasyprint
from weasyprint import CSS, HTML, Attachment


def render(html, css, base):
    # ruleid: rb-weasyprint-unrestricted-fetcher
    pdf = HTML(string=html, base_url=base).write_pdf()
    # ruleid: rb-weasyprint-unrestricted-fetcher
    doc = weasyprint.HTML(string=html)
    # ruleid: rb-weasyprint-unrestricted-fetcher
    sheet = CSS(string=css)
    # ruleid: rb-weasyprint-unrestricted-fetcher
    att = Attachment(url="file:///etc/passwd")
    # ruleid: rb-weasyprint-unrestricted-fetcher
    other = HTML(string=html, url_fetcher=None)
    return pdf, doc, sheet, att, other
