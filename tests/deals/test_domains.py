"""Company domains as deal registration compares them: the registrable domain under the Public
Suffix List (tldextract's bundled snapshot, no network), refusing IPs, bare suffixes and public
mailbox providers."""

import pytest
from django.utils import translation

from tular.deals.domains import PUBLIC_MAIL_DOMAINS, DomainRefused, domain_normalise


@pytest.fixture(autouse=True)
def _in_english():
    # The reasons are read in English here, whatever an earlier test left active.
    with translation.override("en"):
        yield


SAME_COMPANY = [
    ("example.co.id", "example.co.id"),
    ("a.example.co.id", "example.co.id"),
    ("www.example.co.id", "example.co.id"),
    ("WWW.Example.CO.ID", "example.co.id"),
    ("https://www.example.co.id", "example.co.id"),
    ("http://example.co.id/about/team?x=1#top", "example.co.id"),
    ("https://shop.eu.example.co.id:8443/path", "example.co.id"),
    ("example.co.id.", "example.co.id"),
    ("  example.co.id  ", "example.co.id"),
    ("citra@example.co.id", "example.co.id"),
    ("mailto:citra@sales.example.co.id", "example.co.id"),
    ("https://user@example.co.id/", "example.co.id"),
    ("ptmaju.id", "ptmaju.id"),
    ("maju.ac.id", "maju.ac.id"),
    ("portal.maju.go.id", "maju.go.id"),
    ("example.com", "example.com"),
    ("123.com", "123.com"),
    ("toko.my.id", "toko.my.id"),
    ("shop.myshopify.com", "shop.myshopify.com"),  # a private-section suffix: its own company
    ("食狮.com.cn", "xn--85x722f.com.cn"),
    ("https://www.食狮.公司.cn/", "xn--85x722f.xn--55qx5d.cn"),
]


@pytest.mark.parametrize(("given", "expected"), SAME_COMPANY)
def test_the_registrable_domain_is_the_company(given, expected):
    assert domain_normalise(given) == expected


# The Public Suffix List's own test cases (tests/test_psl.txt of publicsuffix/list), those that
# apply to a company's domain: a name with a registrable domain gives that domain; a public
# suffix alone (null there) is refused here. The "unlisted TLD" cases (example.example, which
# the list's default rule "*" would accept) are refused: no company registers under a TLD the
# list does not know.
PSL_CASES = [
    ("COM", None),
    ("example.COM", "example.com"),
    ("WwW.example.COM", "example.com"),
    ("example", None),
    ("example.example", None),
    ("b.example.example", None),
    ("biz", None),
    ("domain.biz", "domain.biz"),
    ("b.domain.biz", "domain.biz"),
    ("a.b.domain.biz", "domain.biz"),
    ("com", None),
    ("example.com", "example.com"),
    ("b.example.com", "example.com"),
    ("a.b.example.com", "example.com"),
    ("uk.com", None),
    ("example.uk.com", "example.uk.com"),
    ("b.example.uk.com", "example.uk.com"),
    ("a.b.example.uk.com", "example.uk.com"),
    ("test.ac", "test.ac"),
    ("mm", None),
    ("c.mm", None),
    ("b.c.mm", "b.c.mm"),
    ("a.b.c.mm", "b.c.mm"),
    ("jp", None),
    ("test.jp", "test.jp"),
    ("www.test.jp", "test.jp"),
    ("ac.jp", None),
    ("test.ac.jp", "test.ac.jp"),
    ("www.test.ac.jp", "test.ac.jp"),
    ("kyoto.jp", None),
    ("test.kyoto.jp", "test.kyoto.jp"),
    ("ide.kyoto.jp", None),
    ("b.ide.kyoto.jp", "b.ide.kyoto.jp"),
    ("a.b.ide.kyoto.jp", "b.ide.kyoto.jp"),
    ("c.kobe.jp", None),
    ("b.c.kobe.jp", "b.c.kobe.jp"),
    ("a.b.c.kobe.jp", "b.c.kobe.jp"),
    ("city.kobe.jp", "city.kobe.jp"),
    ("www.city.kobe.jp", "city.kobe.jp"),
    ("ck", None),
    ("test.ck", None),
    ("b.test.ck", "b.test.ck"),
    ("a.b.test.ck", "b.test.ck"),
    ("www.ck", "www.ck"),
    ("www.www.ck", "www.ck"),
    ("us", None),
    ("test.us", "test.us"),
    ("www.test.us", "test.us"),
    ("ak.us", None),
    ("test.ak.us", "test.ak.us"),
    ("www.test.ak.us", "test.ak.us"),
    ("k12.ak.us", None),
    ("test.k12.ak.us", "test.k12.ak.us"),
    ("www.test.k12.ak.us", "test.k12.ak.us"),
    ("食狮.com.cn", "xn--85x722f.com.cn"),
    ("食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"),
    ("www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"),
    ("shishi.公司.cn", "shishi.xn--55qx5d.cn"),
    ("公司.cn", None),
    ("食狮.中国", "xn--85x722f.xn--fiqs8s"),
    ("www.食狮.中国", "xn--85x722f.xn--fiqs8s"),
    ("shishi.中国", "shishi.xn--fiqs8s"),
    ("中国", None),
    ("xn--85x722f.com.cn", "xn--85x722f.com.cn"),
    ("xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
    ("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
    ("shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"),
    ("xn--55qx5d.cn", None),
    ("xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"),
    ("www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"),
    ("shishi.xn--fiqs8s", "shishi.xn--fiqs8s"),
    ("xn--fiqs8s", None),
    (".com", None),
    (".example", None),
]


@pytest.mark.parametrize(("given", "expected"), PSL_CASES)
def test_public_suffix_list_cases(given, expected):
    if expected is None:
        with pytest.raises(DomainRefused):
            domain_normalise(given)
    else:
        assert domain_normalise(given) == expected


REFUSED = [
    ("", "Enter the company's web domain"),
    ("   ", "Enter the company's web domain"),
    (None, "Enter the company's web domain"),
    ("https://", "Enter the company's web domain"),
    ("ex ample.com", "Enter the company's web domain"),
    ("-maju.co.id", "Enter the company's web domain"),
    ("192.168.1.10", "An IP address"),
    ("http://10.0.0.1:8080/x", "An IP address"),
    ("127.1", "An IP address"),
    ("2130706433", "An IP address"),
    ("[2001:db8::1]", "An IP address"),
    ("https://[::1]:8443/", "An IP address"),
    ("2001:db8::1", "An IP address"),
    ("co.id", "public suffix"),
    ("gmail.com", "public e-mail provider"),
    ("citra@gmail.com", "public e-mail provider"),
    ("Yahoo.co.id", "public e-mail provider"),
    ("mail.yahoo.com", "public e-mail provider"),
    ("outlook.com", "public e-mail provider"),
    ("hotmail.com", "public e-mail provider"),
    ("live.com", "public e-mail provider"),
    ("icloud.com", "public e-mail provider"),
    ("proton.me", "public e-mail provider"),
    ("ymail.com", "public e-mail provider"),
    ("aol.com", "public e-mail provider"),
    ("gmx.net", "public e-mail provider"),
    ("mail.ru", "public e-mail provider"),
    ("yandex.com", "public e-mail provider"),
    ("zoho.com", "public e-mail provider"),
]


@pytest.mark.parametrize(("given", "reason"), REFUSED)
def test_not_a_company_domain(given, reason):
    with pytest.raises(DomainRefused) as refused:
        domain_normalise(given)
    assert reason in str(refused.value.reason)


def test_every_listed_mail_provider_is_a_registrable_domain():
    # Compared after normalisation: a listed subdomain would never match.
    for provider in PUBLIC_MAIL_DOMAINS:
        with pytest.raises(DomainRefused, match="public e-mail provider"):
            domain_normalise(provider)


def test_no_network(monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("the domain check went to the network")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    from tular.deals import domains

    domains._extractor.cache_clear()
    assert domain_normalise("a.b.example.co.uk") == "example.co.uk"
