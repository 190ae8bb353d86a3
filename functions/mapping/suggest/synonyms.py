"""Accounting language brought to one vocabulary before names are compared.

Clients write "A/R - trade", "Trade debtors", "Accum. depr. - vehicles", "Turnover UK"; the chart says
"Accounts receivable", "Accumulated depreciation", "Sales revenue". Both sides go through `normalise`,
so the comparison sees the same words for the same thing: abbreviations spelt out, UK words and
spellings turned into the chart's US ones, punctuation and account-number noise dropped.
"""

from __future__ import annotations

import functools
import re

# Abbreviations, matched on the lower-cased text before punctuation goes (the slash and the dot matter).
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\ba\s*/\s*r\b", " accounts receivable "),
    (r"\ba\s*/\s*p\b", " accounts payable "),
    (r"\bn\s*/\s*r\b", " notes receivable "),
    (r"\bn\s*/\s*p\b", " notes payable "),
    (r"\bo\s*/\s*d\b", " overdraft "),
    (r"\bw\s*/\s*h\b", " withholding "),
    (r"\bp\s*&\s*l\b", " profit and loss "),
    (r"\bpp\s*&\s*e\b", " property plant and equipment "),
    (r"\bsg\s*&\s*a\b", " selling general and administrative "),
    (r"\br\s*&\s*d\b", " research and development "),
    (r"\br\s*&\s*m\b", " repairs and maintenance "),
    (r"\bt\s*&\s*e\b", " travel and entertainment "),
    (r"\bm\s*&\s*e\b", " meals and entertainment "),
    (r"\bdep'?n\b", " depreciation "),
    (r"\bdepr?\.", " depreciation "),
    (r"\bdepr\b", " depreciation "),
    (r"\baccum?\.", " accumulated "),
    (r"\baccum\b", " accumulated "),
    (r"\bacc\.", " accumulated "),
    (r"\bamort\b\.?", " amortization "),
    (r"\ballow\.", " allowance "),
    (r"\bprov\.", " provision "),
    (r"\bexp\.", " expense "),
    (r"\brec\.", " receivable "),
    (r"\bpay\.", " payable "),
    (r"\bint\.", " interest "),
    (r"\bins\.", " insurance "),
    (r"\bequip\b\.?", " equipment "),
    (r"\bmisc\b\.?", " miscellaneous "),
    (r"\badmin\b\.?", " administrative "),
    (r"\bst\.?\b", " short term "),
    (r"\blt\.?\b", " long term "),
)

# Whole words, after punctuation is gone: abbreviations without punctuation, UK words, UK spellings.
WORDS: dict[str, str] = {
    "ar": "accounts receivable",
    "ap": "accounts payable",
    "cogs": "cost of goods sold",
    "cos": "cost of sales",
    "sga": "selling general and administrative",
    "ppe": "property plant and equipment",
    "fx": "foreign exchange",
    "forex": "foreign exchange",
    "accrd": "accrued",
    "accrls": "accruals",
    "acct": "account",
    "accts": "accounts",
    "dept": "department",
    "depr": "depreciation",
    "amort": "amortization",
    "recv": "receivable",
    "rcvbl": "receivable",
    "pybl": "payable",
    "payb": "payable",
    "allow": "allowance",
    "prov": "provision",
    "inv": "inventory",
    "invent": "inventory",
    "exps": "expenses",
    "exp": "expense",
    "int": "interest",
    "ins": "insurance",
    "tel": "telephone",
    "mktg": "marketing",
    "advert": "advertising",
    "adv": "advertising",
    "maint": "maintenance",
    "equip": "equipment",
    "furn": "furniture",
    "bldg": "building",
    "bldgs": "buildings",
    "veh": "vehicles",
    "sal": "salaries",
    "prof": "professional",
    "util": "utilities",
    "utils": "utilities",
    "nic": "national insurance",
    "ni": "national insurance",
    "hp": "hire purchase",
    "wip": "work in progress",
    "r&d": "research and development",
    "lt": "long term",
    "ltd": "long term debt",
    "corp": "corporation",
    "fed": "federal",
    "sec": "security",
    "emp": "employee",
    "empl": "employee",
    "ee": "employee",
    "er": "employer",
    # UK words
    "debtors": "receivables",
    "debtor": "receivable",
    "creditors": "payables",
    "creditor": "payable",
    "turnover": "revenue",
    "stocks": "inventory",
    "prepayments": "prepaid expenses",
    "accruals": "accrued liabilities",
    "fixtures": "fixtures",
    "gearing": "debt",
    # UK and other spellings
    "amortisation": "amortization",
    "capitalised": "capitalized",
    "realised": "realized",
    "unrealised": "unrealized",
    "organisation": "organization",
    "reorganisation": "reorganization",
    "labour": "labor",
    "licence": "license",
    "licences": "licenses",
    "programme": "program",
    "cheque": "check",
    "cheques": "checks",
    "favourable": "favorable",
    "defence": "defense",
    "jewellery": "jewelry",
    "utilisation": "utilization",
    "authorised": "authorized",
    "centre": "center",
    "tyres": "tires",
    "aluminium": "aluminum",
    "ageing": "aging",
    "catalogue": "catalog",
    "travelling": "traveling",
}

# "Stock" is inventory unless it is the company's own shares or pay in shares.
_STOCK_AS_SHARES = re.compile(
    r"\b(common|treasury|preferred|preference|capital|ordinary|share|shares|issued)\s+stock\b"
    r"|\bstock\s+(compensation|option|options|based|award|awards|issued|subscriptions?|premium)\b"
)
_STOCK = re.compile(r"\bstock\b")
_PHRASES: tuple[tuple[str, str], ...] = (
    ("fixed assets", "property and equipment"),
    ("tangible assets", "property and equipment"),
    ("motor vehicles", "vehicles"),
    ("motor vehicle", "vehicles"),
    ("national insurance", "national insurance"),
    ("carriage inwards", "freight in"),
    ("carriage outwards", "freight out"),
    ("profit and loss account", "retained earnings"),
    ("called up share capital", "common stock"),
    ("share capital", "common stock"),
)
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_DIGITS = re.compile(r"\b\d+\b")
_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=65536)
def normalise(name: str) -> str:
    """One account name in the chart's vocabulary: lower case, words only, abbreviations spelt out."""
    text = name.lower().replace("&", " & ")
    for pattern, replacement in ABBREVIATIONS:
        text = re.sub(pattern, replacement, text)
    text = text.replace("&", " and ").replace("'", "")
    text = _NOT_WORD.sub(" ", text)
    text = _DIGITS.sub(" ", text)
    words = [WORDS.get(word, word) for word in text.split()]
    text = " ".join(words)
    for phrase, replacement in _PHRASES:
        text = text.replace(phrase, replacement)
    if "stock" in text and not _STOCK_AS_SHARES.search(text):
        text = _STOCK.sub("inventory", text)
    return _SPACES.sub(" ", text).strip()
