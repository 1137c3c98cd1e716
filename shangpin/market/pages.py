"""The marketplace's HTML: plain semantic markup with stable class names for selectors.

Everything shown is escaped here, once; a few pages carry what real shops do to crawlers
(markup in a title, keyword-stuffed titles, links inside scripts and comments), so a crawl
must read them as text and follow only what the selectors name.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from shangpin.market.catalogue import Product, Shop

SITE_NAME = "样品商城"


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)} - {SITE_NAME}</title>\n</head>\n<body>\n"
        f'<header class="site-header"><a class="home" href="/">{SITE_NAME}</a> '
        '<a class="cart" href="/cart/">购物车</a></header>\n'
        f"<main>\n{body}\n</main>\n"
        '<footer class="site-footer">样品商城仅供测试，所售商品均为虚构。</footer>\n'
        "</body>\n</html>\n"
    )


def listing_url(page: int) -> str:
    return "/" if page == 1 else f"/list?page={page}"


def listing_page(products: Sequence[Product], page: int, pages: int) -> str:
    items = "\n".join(
        '<li class="product-card">'
        f'<a class="product-link" href="{p.path}">{escape(p.title)}</a> '
        f'<span class="price">{escape(p.price)}</span> '
        f'<span class="shop-name">{escape(p.shop.name)}</span></li>'
        for p in products
    )
    if page == 1:
        # A sponsored slot whose link redirects off-site, to a private address.
        items += ('\n<li class="product-card sponsored"><a class="product-link" href="/go/ad1">'
                  "推广：限时特惠</a></li>")
    nav = []
    if page > 1:
        nav.append(f'<a class="prev" href="{listing_url(page - 1)}">上一页</a>')
    nav.append(f'<span class="current">第 {page} / {pages} 页</span>')
    if page < pages:
        nav.append(f'<a class="next" href="{listing_url(page + 1)}">下一页</a>')
    body = (
        f'<h1 class="listing-title">全部商品</h1>\n<ul class="product-list">\n{items}\n</ul>\n'
        f'<nav class="pagination">{" ".join(nav)}</nav>\n'
        # Links a crawl must not take: markup inside a script and inside a comment.
        '<script>var recent = "<a class=\\"product-link\\" href=\\"/item/0\\">";</script>\n'
        '<!-- <a class="product-link" href="/item/1">retired listing</a> -->'
    )
    return _page(f"全部商品 第{page}页", body)


def product_page(product: Product) -> str:
    gallery = "\n".join(
        f'<img src="{escape(url)}" alt="{escape(product.title[:40])} 图{i + 1}" '
        'width="800" height="800">'
        for i, url in enumerate(product.image_urls)
    )
    body = (
        '<article class="product">\n'
        f'<h1 class="title">{escape(product.title)}</h1>\n'
        f'<p class="price">{escape(product.price)}</p>\n'
        '<p class="breadcrumb">分类：'
        f'<span class="category">{escape(product.category)}</span></p>\n'
        f'<div class="seller">店铺：<a href="{product.shop.path}">{escape(product.shop.name)}</a>'
        "</div>\n"
        f'<div class="gallery">\n{gallery}\n</div>\n'
        f'<p class="actions"><a class="add-to-cart" href="/cart/add?item={product.id}">加入购物车'
        "</a></p>\n</article>"
    )
    return _page(product.title[:60], body)


def shop_page(shop: Shop, products: Sequence[Product]) -> str:
    if shop.credit_code is not None:
        licence = (
            '<section class="licence">\n<h2>营业执照信息</h2>\n<dl>\n'
            f'<dt>企业名称</dt><dd class="licence-name">{escape(shop.name)}</dd>\n'
            f'<dt>统一社会信用代码</dt><dd class="uscc">{escape(shop.credit_code)}</dd>\n'
            "<dt>登记机关</dt><dd>上海市市场监督管理局</dd>\n</dl>\n</section>"
        )
    else:
        licence = '<section class="licence">\n<h2>营业执照信息</h2>\n<p>商家未公示</p>\n</section>'
    items = "\n".join(
        f'<li><a class="shop-product" href="{p.path}">{escape(p.title)}</a></li>'
        for p in products
    )
    body = (
        f'<h1 class="shop-name">{escape(shop.name)}</h1>\n{licence}\n'
        f'<p class="external"><a href="/go/{shop.id}">访问品牌官网</a></p>\n'
        f'<ul class="shop-products">\n{items}\n</ul>'
    )
    return _page(shop.name, body)


def cart_page() -> str:
    return _page("购物车", '<h1>购物车</h1>\n<p class="empty">购物车是空的。</p>')


def not_found_page() -> str:
    return _page("页面不存在", "<h1>页面不存在</h1>")


ROBOTS = "User-agent: *\nDisallow: /cart/\n"
