"""HTML → PDF with WeasyPrint, one rendering at a time per process: Pango and WeasyPrint's font
machinery are not safe to share between threads (a request and the bulk certificate worker may both
render). Every PDF of the project goes through this lock."""
import threading

render_lock = threading.Lock()


def html_to_pdf(html: str) -> bytes:
    """A PDF from self-contained HTML (styles inline, no links to other files)."""
    from weasyprint import HTML

    with render_lock:
        return HTML(string=html).write_pdf()
