"""The library's parts on their own: reading every format, splitting by structure, the
policy's rules for documents, the quoted answer and the check on a written one.

Files are made by the tests (a PDF written by hand below, HTML, Markdown, text), so
nothing here depends on the starter library; the search and the conversation are in
``test_documents.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from homemind.core.model import Member, Names, Role
from homemind.library.answer import quote, quoted_answer, written_answer
from homemind.library.ingest import DocumentError, read_document
from homemind.library.search import Hit, _article_named, fts_query
from homemind.library.store import DocumentRow, PassageRow
from homemind.library.terms import terms
from homemind.policy import Policy


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal PDF: one Helvetica line of text per entry, one list per page."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    contents = []
    for lines in pages:
        ops = ["BT /F1 11 Tf 72 740 Td 14 TL"]
        ops += [
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*"
            for line in lines
        ]
        stream = "\n".join([*ops, "ET"]).encode("latin-1")
        contents.append(add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"))
    pages_id = len(objects) + len(pages) + 1
    kids = [
        add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
            b" /Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, c, font)
        )
        for c in contents
    ]
    refs = b" ".join(b"%d 0 R" % k for k in kids)
    assert add(b"<< /Type /Pages /Kids [" + refs + b"] /Count %d >>" % len(kids)) == pages_id
    info = add(b"<< /Title (" + title.encode("latin-1") + b") >>") if title else None
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    trailer += (b" /Info %d 0 R" % info if info else b"") + b" >>"
    return bytes(out + b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref)


LAW = """# 中华人民共和国小区养犬条例

2026年1月1日 通过

<!-- INFO END -->

## 第一章 总则

第一条 为了规范养犬行为，制定本条例。

第二条 养犬人应当为犬只办理登记。

登记证应当随犬携带。

## 第二章 出户

第三条 犬只出户时，应当束犬链。
"""


def test_a_law_is_split_into_articles_that_keep_their_chapter(tmp_path: Path) -> None:
    path = tmp_path / "law.md"
    path.write_text(LAW, "utf-8")
    doc = read_document(path)
    assert doc.title == "中华人民共和国小区养犬条例"
    assert doc.kind == "law"
    assert [(p.section, p.chapter) for p in doc.passages] == [
        ("第一条", "第一章 总则"),
        ("第二条", "第一章 总则"),
        ("第三条", "第二章 出户"),
    ]
    # An article runs over its paragraphs until the next one; the enactment history is not a passage.
    assert doc.passages[1].text == "第二条 养犬人应当为犬只办理登记。\n登记证应当随犬携带。"
    assert all("2026年" not in p.text for p in doc.passages)


def test_markdown_is_split_at_its_headings(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(
        "# Building notices\n\n## Water\n\nThe water is off on Monday\nfrom 9 to 12.\n\n"
        "## Bicycles\n\n- Keep the stairs clear.\n- Use the **bike room**, see [the map](map.png).\n",
        "utf-8",
    )
    doc = read_document(path)
    assert doc.title == "Building notices" and doc.kind == "markdown"
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Water", "The water is off on Monday from 9 to 12."),
        ("Bicycles", "Keep the stairs clear.\nUse the bike room, see the map."),
    ]


def test_html_keeps_headings_and_drops_scripts(tmp_path: Path) -> None:
    path = tmp_path / "letter.html"
    path.write_text(
        "<html><head><title>School letter</title><script>unlockDoor()</script></head><body>"
        "<nav>Home | News</nav><h1>School letter</h1><h2>Trip on Friday</h2>"
        "<p>The class visits the museum.</p>"
        "<ul><li><p>Bring a packed lunch.</p></li><li>Wear good shoes</li></ul>"
        "<h2>Fees</h2><p>The trip costs 20 yuan.</p></body></html>",
        "utf-8",
    )
    doc = read_document(path)
    assert doc.title == "School letter" and doc.kind == "html"
    assert [(p.section, p.text) for p in doc.passages] == [
        ("Trip on Friday", "The class visits the museum.\nBring a packed lunch.\nWear good shoes"),
        ("Fees", "The trip costs 20 yuan."),
    ]
    assert all("unlockDoor" not in p.text and "News" not in p.text for p in doc.passages)


def test_a_pdf_passage_keeps_its_page(tmp_path: Path) -> None:
    path = tmp_path / "dishwasher.pdf"
    path.write_bytes(
        make_pdf(
            [
                ["Loading the racks.", "Put plates in the lower rack facing the centre."],
                ["Cleaning the filter.", "Twist the filter anticlockwise and lift it out once a week."],
            ],
            title="Dishwasher manual",
        )
    )
    doc = read_document(path)
    assert doc.title == "Dishwasher manual" and doc.kind == "pdf"
    assert [p.page for p in doc.passages] == [1, 2]
    assert "Twist the filter anticlockwise" in doc.passages[1].text


def test_plain_text_in_gbk_is_read(tmp_path: Path) -> None:
    path = tmp_path / "通知.txt"
    path.write_bytes("停水通知\n\n本周一上午九点到十二点停水。\n\n请提前储水。\n".encode("gbk"))
    doc = read_document(path)
    assert doc.title == "停水通知"
    assert [p.text for p in doc.passages] == ["本周一上午九点到十二点停水。\n请提前储水。"]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("photo.jpg", b"\xff\xd8\xff", "not a document I can read"),
        ("broken.pdf", b"%PDF-1.4 garbage", "not a valid PDF"),
        ("empty.md", b"# Only a title\n", "has no text to search"),
        ("binary.txt", b"\x00\x01\x02" * 100, "binary data"),
    ],
)
def test_bad_files_are_refused_with_the_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as raised:
        read_document(path)
    assert reason in raised.value.message("en")
    assert name in raised.value.message("zh")  # the Chinese message names the file too


def test_terms_find_word_forms_in_both_languages() -> None:
    assert {"refund", "card"} <= set(terms("Refunds for ID cards"))
    assert "退货" in terms("网上买的东西能退货吗") and "的" not in terms("网上买的东西能退货吗")
    # An FTS5 query quotes every term, so a term can never be read as FTS5 syntax.
    assert fts_query(['a"b', "OR", "x"]) == '"a""b" OR "OR" OR "x"'


def test_an_article_named_in_a_question() -> None:
    assert _article_named("消费者权益保护法第二十五条怎么说") == "第二十五条"
    assert _article_named("劳动合同法第37条") == "第三十七条"
    assert _article_named("what does article 1254 of the civil code say") == "第一千二百五十四条"
    assert _article_named("what do I do") is None


def _member(member_id: str, role: Role) -> Member:
    return Member(member_id, Names({"en": member_id, "zh": member_id}), role, "en")


def test_the_policy_says_who_manages_and_who_reads_documents() -> None:
    policy = Policy.load_default()
    adult, admin, child, elder, guest = (
        _member("bo", Role.ADULT),
        _member("alice", Role.ADMIN),
        _member("lily", Role.CHILD),
        _member("nainai", Role.ELDER),
        _member("guest", Role.GUEST),
    )
    assert [policy.may_manage_documents(m) for m in (adult, admin, child, elder, guest)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert all(policy.may_read_document(m, "household") for m in (adult, admin, child, elder, guest))
    # A member's own document: that member and admins, nobody else.
    assert [policy.may_read_document(m, "bo") for m in (adult, admin, child, elder, guest)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert not policy.may_remove_document(adult, "alice")  # another adult's private document


def _hit(title: str, section: str, text: str, passage_id: int = 1, page: int | None = None) -> Hit:
    document = DocumentRow(passage_id, title, "f.md", "law", "household", "alice", 0.0, "", True, 1)
    passage = PassageRow(passage_id, passage_id, section, "", page, None, text)
    return Hit(passage, document, 0.03, 0.9, 5.0)


RETURNS = _hit(
    "中华人民共和国消费者权益保护法",
    "第二十五条",
    "第二十五条 经营者采用网络、电视、电话、邮购等方式销售商品，消费者有权自收到商品之日起七日内退货，"
    "且无需说明理由，但下列商品除外：（一）消费者定作的；（二）鲜活易腐的；（三）在线下载或者消费者拆封的"
    "音像制品、计算机软件等数字化商品；（四）交付的报纸、期刊。除前款所列商品外，其他根据商品性质并经消费者"
    "在购买时确认不宜退货的商品，不适用无理由退货。消费者退货的商品应当完好。经营者应当自收到退回商品之日起"
    "七日内返还消费者支付的商品价款。退回商品的运费由消费者承担；经营者和消费者另有约定的，按照约定。",
)


def test_the_quoted_answer_cites_in_the_language_of_the_question() -> None:
    zh = quoted_answer("网上买的东西能退吗", [RETURNS], "zh")
    assert zh.startswith("根据《消费者权益保护法》第二十五条：“")
    assert "七日内退货" in zh and "不构成法律意见" in zh
    en = quoted_answer("Can I return something I bought online?", [RETURNS], "en")
    assert en.startswith(
        "According to Article 25 of the Law on the Protection of Consumer Rights and Interests"
    )
    assert (
        "《消费者权益保护法》第二十五条" in en and "七日内退货" in en
    )  # the Chinese text, with an English lead-in
    assert en.endswith("This is information from the cited text, not legal advice.")


def test_the_quote_is_cut_to_the_sentences_that_answer() -> None:
    cut = quote("退回商品的运费谁承担", RETURNS.passage.text, "zh", limit=80)
    assert "运费由消费者承担" in cut
    assert len(cut) < len(RETURNS.passage.text) and "……" in cut
    assert not cut.startswith("第二十五条")  # the citation names the article; the quote does not repeat it


def test_a_document_without_articles_is_cited_by_section_and_page() -> None:
    hit = _hit("Dishwasher manual", "Cleaning the filter", "Twist the filter anticlockwise.", page=2)
    answer = quoted_answer("how do I clean the filter", [hit], "en")
    assert answer.startswith(
        'According to "Dishwasher manual", section "Cleaning the filter" (page 2): "Twist'
    )


OTHER = _hit("中华人民共和国民法典", "第一千二百五十四条", "第一千二百五十四条 禁止从建筑物中抛掷物品。", 2)


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("You can return it within seven days without a reason [1].", True),
        ("Within seven days [1]; throwing things out of windows is banned [2].", True),
        ("You can return it within seven days.", False),  # cites nothing
        ("You can return it within seven days [3].", False),  # cites a passage it was not given
        ("根据《产品质量法》第四十条，可以退货[1]。", False),  # names an article it was not given
        ("Article 99 says you can [1].", False),
    ],
)
def test_a_written_answer_is_kept_only_if_every_citation_is_a_given_passage(written: str, kept: bool) -> None:
    seen: list[list[dict[str, str]]] = []

    def writer(question: str, passages: list[dict[str, str]], language: str) -> str:
        seen.append(passages)
        return written

    result = written_answer("Can I return it?", [RETURNS, OTHER], "en", writer)
    assert [p["ref"] for p in seen[0]] == ["[1]", "[2]"]
    assert (
        seen[0][0]["citation"] == "Article 25 of the Law on the Protection of Consumer Rights and Interests"
    )
    assert result.fell_back is not kept
    if kept:
        assert result.text.startswith(written) and result.text.endswith("not legal advice.")
    else:
        assert result.text == quoted_answer("Can I return it?", [RETURNS, OTHER], "en")


def test_a_writer_that_fails_costs_nothing() -> None:
    def writer(question: str, passages: list[dict[str, str]], language: str) -> str:
        raise TimeoutError("the model did not answer")

    result = written_answer("网上买的东西能退吗", [RETURNS], "zh", writer)
    assert result.fell_back and result.text.startswith("根据《消费者权益保护法》第二十五条")
