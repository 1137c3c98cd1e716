"""The listing crawl: one generic Scrapy spider driven by a site TOML file.

``siteconfig`` reads the site file, ``spider`` walks listing -> product -> seller pages,
``images`` fetches each listing's images through Scrapy's downloader, ``pipelines`` hands
every listing to the analysis (``crawler.processing``), ``safety`` keeps the crawl off private
networks, ``settings`` builds the Scrapy settings (local JOBDIR or a shared Redis frontier) and
``runner`` runs one crawl in this process and sums it up.
"""
