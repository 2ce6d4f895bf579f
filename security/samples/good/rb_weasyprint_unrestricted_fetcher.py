# Good: every WeasyPrint object gets the restricted fetcher (rule rb-weasyprint-unrestricted-fetcher quiet).
from weasyprint import CSS, HTML, Attachment

from reviewboard.records.pdf import AssetOnlyURLFetcher


def render(html, css, assets, canonical):
    fetcher = AssetOnlyURLFetcher(assets)
    # ok: rb-weasyprint-unrestricted-fetcher
    att = Attachment(string=canonical, name="record.json", url_fetcher=fetcher)
    # ok: rb-weasyprint-unrestricted-fetcher
    sheet = CSS(string=css, url_fetcher=fetcher)
    # ok: rb-weasyprint-unrestricted-fetcher
    return HTML(string=html, base_url=assets.as_uri() + "/", url_fetcher=fetcher).write_pdf(
        attachments=[att], stylesheets=[sheet])
