"""A small glossary that reads a question written in French, German, Spanish or Chinese as English.

The offline planner's rules and example phrasings are English. Designers sometimes ask in
their own language, mixing in English technical words ("valeur de reset de count ?",
"wo wird rd_ptr zugewiesen?"). :func:`to_english` replaces the common words of such
questions — question words, verbs of the tools, hardware nouns — by English ones, word by
word, and says whether it did; identifiers and English words pass through unchanged. It is
a reading aid for routing, not a translator: the answer tells the user how the question was
read, and a question it cannot read at all is answered with an honest "I did not understand".
"""

from __future__ import annotations

import re
import unicodedata

# Phrases first (longest match wins), then single words. Values are English words the rules know.
PHRASES: dict[str, str] = {
    # French
    "d'où vient": "where does come from", "d'ou vient": "where does come from", "à partir de": "from",
    "a partir de": "from", "qu'est-ce que": "what", "qu'est ce que": "what", "est-ce que": "is",
    "chemin critique": "critical path", "valeur de reset": "reset value", "valeur initiale": "initial value",
    "raconte-moi": "tell me", "dis-moi": "tell me", "applique-le": "apply it", "vas-y": "go ahead",
    "par bit": "per bit", "combien de": "how many", "s'il te plaît": "please", "s'il vous plaît": "please",
    # German
    "rückgängig": "undo", "wie groß": "how big", "wie gross": "how big", "bitte": "please",
    "keinen reset": "no reset", "zweistufig": "in two stages",
    # Spanish
    "cuánta área": "how much area", "cuanta area": "how much area", "por favor": "please",
    "cuál es": "what is", "cual es": "what is",
}
WORDS: dict[str, str] = {
    # French
    "où": "where", "ou": "or", "quel": "what", "quelle": "what", "quels": "what", "quelles": "what",
    "combien": "how many", "pourquoi": "why", "comment": "how", "vient": "comes from", "fait": "does",
    "valeur": "value", "chemin": "path", "critique": "critical", "lance": "run", "lancer": "run",
    "relance": "rerun", "écris": "write", "ecris": "write", "écrire": "write", "génère": "generate",
    "applique": "apply", "annule": "undo", "horloge": "clock", "bauds": "baud", "cycles": "cycles",
    "blague": "joke", "météo": "weather", "signal": "signal", "registre": "register", "registres": "registers",
    "surface": "area", "taille": "size", "ce": "this", "cette": "this", "le": "the", "la": "the", "les": "the",
    "de": "of", "du": "of", "des": "of", "est": "is", "à": "at", "sur": "about", "une": "a", "un": "a",
    "stp": "please", "tests": "tests", "si": "if", "pour": "for", "et": "and", "qui": "who",
    # German
    "wo": "where", "wird": "is", "werden": "are", "zugewiesen": "assigned", "gesetzt": "set",
    "mach": "make", "mache": "make", "sauber": "clean", "welche": "which", "welcher": "which",
    "haben": "have", "hat": "has", "keinen": "no", "kein": "no", "ist": "is", "das": "the", "der": "the",
    "die": "the", "den": "the", "dem": "the", "wie": "how", "groß": "big", "gross": "big", "was": "what",
    "warum": "why", "wer": "who", "treibt": "drives", "fläche": "area", "flaeche": "area",
    "multiplizierer": "multiplier", "wetter": "weather", "morgen": "tomorrow", "in": "in", "bei": "at",
    "und": "and", "führe": "run", "starte": "run", "aus": "", "zeige": "show", "zeig": "show",
    "fehler": "errors", "probleme": "problems", "register": "registers", "witz": "joke",
    # Spanish
    "qué": "what", "que": "what", "cuál": "which", "cual": "which", "cuánto": "how much", "cuanto": "how much",
    "cuánta": "how much", "cuanta": "how much", "dónde": "where", "donde": "where", "por qué": "why",
    "área": "area", "ocupa": "occupies", "operaciones": "operations", "soporta": "supports",
    "admite": "supports", "mejor": "best", "comprar": "buy", "para": "for", "es": "is", "el": "the",
    "los": "the", "las": "the", "lo": "it", "una": "a", "ejecuta": "run", "pruebas": "tests",
    "tiempo": "weather", "chiste": "joke", "señal": "signal",
}
# Chinese has no spaces: substrings, longest first.
CHINESE: dict[str, str] = {
    "系统提示词": "system prompt", "系统提示": "system prompt", "有什么问题": "anything wrong",
    "什么问题": "what problems", "做什么的": "what does it do", "做什么": "what does do", "最差路径": "worst path",
    "关键路径": "critical path", "是多少": "what is", "多少": "how many", "忽略": "ignore", "之前的": "previous",
    "所有的": "all", "所有": "all", "指令": "instructions", "告诉我": "tell me", "帮我": "please", "删掉": "delete",
    "删除": "delete", "文件": "files", "这个": "this", "模块": "module", "设计": "design", "问题": "problems",
    "面积": "area", "时序": "timing", "测试": "tests", "运行": "run", "驱动": "drives", "复位值": "reset value",
    "复位": "reset", "端口": "ports", "参数": "parameters", "层次": "hierarchy", "路径": "path", "布局": "placement",
    "天气": "weather", "笑话": "joke", "什么": "what", "吗": "", "的": " ", "是": " is ", "都": " ", "把": " ",
    "你的": "your", "我": " me ", "有": " has ",
}
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)


def has_foreign_script(text: str) -> bool:
    """True when the text has CJK characters (the glossary reads only the common ones)."""
    return bool(_CJK.search(text))


def to_english(question: str) -> tuple[str, bool]:
    """(the question with known foreign words in English, whether anything was replaced)."""
    text = unicodedata.normalize("NFC", question).replace("’", "'")
    changed = False
    if has_foreign_script(text):
        for zh in sorted(CHINESE, key=len, reverse=True):
            if zh in text:
                text = text.replace(zh, " " + CHINESE[zh] + " ")
                changed = True
        text = text.replace("？", "?").replace("，", ",").replace("。", ".").replace("：", ":")
    low = text.lower()
    for phrase in sorted(PHRASES, key=len, reverse=True):
        pattern = r"(?<![\w'])" + re.escape(phrase) + r"(?![\w'])"
        if re.search(pattern, low):
            low = re.sub(pattern, PHRASES[phrase], low)
            changed = True
    if not changed and not _looks_foreign(low):
        return text, False  # plain English: keep the user's own casing for names

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        bare = re.sub(r"^(l|d|qu|j|n|s|c)'", "", word)  # French elisions: l'horloge -> horloge
        return WORDS.get(word, WORDS.get(bare, word))

    out = _WORD.sub(swap, low)
    return re.sub(r"\s+", " ", out).strip(), True


_MARKERS = {"où", "quel", "quelle", "combien", "pourquoi", "est-ce", "vient", "valeur", "chemin", "lance", "écris",
            "applique", "horloge", "l'horloge", "blague", "raconte", "wo", "wird", "welche", "haben", "keinen", "ist",
            "wie", "warum", "zugewiesen", "mach", "bitte", "wetter", "groß", "qué", "cuál", "cuánta", "dónde", "área",
            "soporta", "comprar", "mejor", "stp", "sauber", "das", "und", "les", "pour", "fläche", "zeige", "führe",
            "ocupa", "operaciones", "pruebas", "señal", "chiste", "est", "une", "sur"}


def _looks_foreign(low: str) -> bool:
    """Two marker words of another language, or one with a non-ASCII letter ("où", "groß")."""
    words = set(_WORD.findall(low))
    marked = words & _MARKERS
    return len(marked) >= 2 or any(not w.isascii() for w in marked)
