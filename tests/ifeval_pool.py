"""A generated pool of (instruction, kwargs, response) cases for IFEval parity tests and the audit.

Responses are assembled from pieces that sit on each checker's boundaries (abbreviations, decimals,
initials, units, dotted acronyms, contractions, markdown structure, other languages), then mutated
(case, commas, stars, preamble and trailing lines, quotes); kwargs are drawn around the response's own
counts so that thresholds fall on both sides. Deterministic for a seed.
"""

from __future__ import annotations

import json
import random

PIECES = [
    "The U.S. team arrived at 5 p.m. on Monday.",
    "It weighs 100 g. Then it fell off the table.",
    "Dr. J. R. R. Smith paid $3.50 for the tea.",
    "See e.g. the notes, i.e. the appendix.",
    "The A.B.C. plan was approved by O'NEIL and the U.N.",
    "P.S. Please call me back.",
    "P.P.S. Bring the keys.",
    "We DON'T know, and THE BOARD won't say!",
    "Mr. Brown vs. Mrs. Green: a 2.5-hour debate... Really?",
    "NASA and ESA signed the deal in Jan. 2024.",
    "SECTION 1: BACKGROUND TEXT HERE.",
    "summary: funding approved; next review in may.",
    "The quick brown fox jumps over the lazy dog.",
    "Prices rose 3.2% in Q1. Analysts were surprised.",
    "She said, \"It's done.\" Then she left.",
    "Is it ready? Yes! It is.",
    "Visit www.example.com. It has the details.",
    "The Ph.D. student left at 10 a.m. yesterday.",
    "Le chat est sur la table et le chien dort dans la maison.",
    "Der Bericht ist fertig und wird morgen verschickt.",
    "El informe está listo y se enviará mañana por la tarde.",
    "Это короткий отчёт о проделанной работе за неделю.",
    "これは今週の作業についての短い報告です。",
    "यह इस सप्ताह के काम के बारे में एक छोटी रिपोर्ट है।",
    "Il rapporto è pronto e sarà inviato domani mattina.",
    "O relatório está pronto e será enviado amanhã de manhã.",
    "* first point about the budget",
    "- second point about the timeline",
    "  * nested point",
    "*highlighted section* and **bold part**",
    "** ** and * *",
    "Section 1\nThe opening.",
    "SECTION 2\nThe middle part.",
    "<<A Title Here>>",
    "<< >>",
    "[name] lives at [address].",
    "Any other questions?",
    "Is there anything else I can help with?",
    "My answer is yes.",
    "My answer is maybe.",
    "The keyword budget appears here, and budget again.",
    "Zoe's zany zoo was buzzing.",
    "Write a short summary of the report.",
    "U.S.A. RULES, OK?",
    "WHAT IS THE PLAN FOR THE WEEK AND WHO WILL LEAD IT?",
    "the report is ready and it covers all of the main points.",
    "🙂 Done. 👍",
    "3.14159 is pi. 2.71828 is e.",
    "He earned an M.B.A. at 25. She didn't.",
]
#: The language of each piece with words of a language (the others are markup, numbers or emoji).
PIECE_LANGUAGES = {
    piece: "en" for piece in PIECES[:18] + PIECES[36:38] + PIECES[40:47] + [PIECES[48], PIECES[31], PIECES[32]]
} | {PIECES[18]: "fr", PIECES[19]: "de", PIECES[20]: "es", PIECES[21]: "ru", PIECES[22]: "ja", PIECES[23]: "hi",
     PIECES[24]: "it", PIECES[25]: "pt"}  # fmt: skip


def languages_in(response: str) -> set[str]:
    """The languages of the pool pieces a response holds (after case and punctuation mutations)."""
    text = response.casefold()
    return {code for piece, code in PIECE_LANGUAGES.items() if piece.casefold()[:15] in text}


SEPARATORS = [" ", " ", "\n", "\n\n", "\n***\n", "\n******\n"]
KEYWORDS = ["budget", "plan", "report", "the", "team", "zoo", "U.S.", "a.m", "ready", "chat"]
PROMPTS = ["Write a short summary of the report.", "Describe the plan.", "the report"]


def _response(rng: random.Random) -> str:
    parts = rng.sample(PIECES, rng.randint(1, 7))
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(SEPARATORS) + part
    for _ in range(rng.randint(0, 3)):
        mutation = rng.randrange(11)
        if mutation == 0:
            text = text.upper()
        elif mutation == 1:
            text = text.lower()
        elif mutation == 2:
            text = text.replace(",", "")
        elif mutation == 3:
            text = f'"{text}"'
        elif mutation == 4:
            text = "Sure, here is my answer:\n" + text
        elif mutation == 5:
            text = text + "\nHope this helps!"
        elif mutation == 6:
            text = text.replace(".", "", 1)
        elif mutation == 7:
            text = "```json\n" + json.dumps({"answer": text}) + "\n```"
        elif mutation == 8:
            text = rng.choice(PROMPTS) + " " + text
        elif mutation == 9:
            text = "  " + text + "  \n"
        else:
            text = text.replace(" ", "\n\n", 1)
    return text


def kwargs_for(rng: random.Random, iid: str, response: str, counts) -> dict:
    """Kwargs for ``iid`` with thresholds drawn around the response's counts (``counts`` is dsgen's)."""
    near = lambda n: max(1, n + rng.randint(-1, 1))  # noqa: E731
    relation = rng.choice(["less than", "at least"])
    if iid == "keywords:existence":
        return {"keywords": rng.sample(KEYWORDS, rng.randint(1, 2))}
    if iid == "keywords:frequency":
        word = rng.choice(KEYWORDS)
        return {"keyword": word, "frequency": near(response.lower().count(word.lower())), "relation": relation}
    if iid == "keywords:forbidden_words":
        return {"forbidden_words": rng.sample(KEYWORDS, rng.randint(1, 3))}
    if iid == "keywords:letter_frequency":
        letter = rng.choice("abcdeostz")
        return {"letter": letter, "let_frequency": near(response.lower().count(letter)), "let_relation": relation}
    if iid == "length_constraints:number_sentences":
        return {"num_sentences": near(counts.count_sentences(response)), "relation": relation}
    if iid == "length_constraints:number_paragraphs":
        return {"num_paragraphs": near(response.count("***") + 1)}
    if iid == "length_constraints:number_words":
        return {"num_words": near(counts.count_words(response)), "relation": relation}
    if iid == "length_constraints:nth_paragraph_first_word":
        paragraphs = [p for p in response.split("\n\n") if p.strip()] or [""]
        nth = rng.randint(1, len(paragraphs))
        words = paragraphs[nth - 1].split()
        first = words[0].strip("\"'.,!?").lower() if words and rng.random() < 0.7 else "the"
        return {"num_paragraphs": max(nth, near(len(paragraphs))), "nth_paragraph": nth, "first_word": first or "the"}
    if iid == "detectable_content:number_placeholders":
        return {"num_placeholders": near(response.count("["))}
    if iid == "detectable_content:postscript":
        return {"postscript_marker": rng.choice(["P.S.", "P.P.S"])}
    if iid == "detectable_format:number_bullet_lists":
        return {"num_bullets": near(response.count("\n*") + response.count("\n-") + 1)}
    if iid == "detectable_format:number_highlighted_sections":
        return {"num_highlights": near(response.count("*") // 2)}
    if iid == "detectable_format:multiple_sections":
        return {"section_spliter": rng.choice(["Section", "SECTION"]), "num_sections": rng.randint(1, 3)}
    if iid == "combination:repeat_prompt":
        return {"prompt_to_repeat": rng.choice(PROMPTS)}
    if iid == "startend:end_checker":
        return {"end_phrase": rng.choice(["Any other questions?", "Hope this helps!", "is there anything else I can help with?"])}
    if iid == "change_case:capital_word_frequency":
        return {"capital_frequency": near(counts.capital_words(response)), "capital_relation": relation}
    if iid == "language:response_language":
        return {"language": rng.choice(["en", "en", "fr", "de", "es", "ru", "ja", "hi", "it", "pt"])}
    return {}


def cases(ids, n_per_id: int, seed: int, counts):
    """``n_per_id`` (iid, kwargs, response) cases per id."""
    rng = random.Random(seed)
    for iid in ids:
        for _ in range(n_per_id):
            response = _response(rng)
            yield iid, kwargs_for(rng, iid, response, counts), response

#: Single-language texts (short and longer) for language identification, by ISO 639-1 code.
LANGUAGE_TEXTS = {
    "en": [
        "The meeting moved to Thursday because the room was booked.",
        "SECTION 1: BACKGROUND TEXT HERE.",
        "summary: funding approved; next review in may.",
        "THE REPORT IS READY AND IT COVERS ALL OF THE MAIN POINTS.",
        "We checked the numbers twice and they still do not add up, so the audit goes on next week.",
        "p.s. bring the keys.",
    ],
    "fr": [
        "La réunion a été déplacée à jeudi parce que la salle était réservée.",
        "Nous avons vérifié les chiffres deux fois et ils ne correspondent toujours pas.",
        "LE RAPPORT EST PRÊT ET IL COUVRE TOUS LES POINTS PRINCIPAUX.",
    ],
    "de": [
        "Das Treffen wurde auf Donnerstag verschoben, weil der Raum belegt war.",
        "Wir haben die Zahlen zweimal geprüft und sie stimmen immer noch nicht.",
        "DER BERICHT IST FERTIG UND DECKT ALLE WICHTIGEN PUNKTE AB.",
    ],
    "es": [
        "La reunión se trasladó al jueves porque la sala estaba reservada.",
        "Revisamos las cifras dos veces y todavía no cuadran, así que la auditoría sigue.",
    ],
    "it": [
        "La riunione è stata spostata a giovedì perché la sala era prenotata.",
        "Abbiamo controllato i numeri due volte e ancora non tornano.",
    ],
    "pt": [
        "A reunião foi transferida para quinta-feira porque a sala estava reservada.",
        "Verificamos os números duas vezes e eles ainda não batem.",
    ],
    "ru": [
        "Встречу перенесли на четверг, потому что зал был занят.",
        "Мы дважды проверили цифры, и они всё ещё не сходятся.",
    ],
    "uk": ["Зустріч перенесли на четвер, тому що зала була зайнята, а нових дат поки немає."],
    "bg": ["Срещата беше преместена за четвъртък, защото залата беше заета."],
    "pl": ["Spotkanie przeniesiono na czwartek, ponieważ sala była zajęta."],
    "fi": ["Kokous siirrettiin torstaille, koska huone oli varattu."],
    "vi": ["Cuộc họp đã được dời sang thứ Năm vì phòng đã được đặt trước."],
    "sw": ["Mkutano umehamishwa hadi Alhamisi kwa sababu chumba kilikuwa kimehifadhiwa."],
    "ja": ["会議は部屋が予約されていたため木曜日に変更されました。"],
    "ko": ["회의실이 예약되어 있어서 회의가 목요일로 옮겨졌습니다."],
    "ar": ["تم نقل الاجتماع إلى يوم الخميس لأن القاعة كانت محجوزة."],
    "fa": ["جلسه به پنجشنبه منتقل شد چون اتاق رزرو شده بود."],
    "he": ["הפגישה הועברה ליום חמישי כי החדר היה תפוס."],
    "hi": ["बैठक गुरुवार को स्थानांतरित कर दी गई क्योंकि कमरा पहले से आरक्षित था।"],
    "mr": ["खोली आधीच आरक्षित असल्यामुळे बैठक गुरुवारी हलवण्यात आली आहे."],
    "bn": ["ঘরটি সংরক্ষিত থাকায় সভাটি বৃহস্পতিবারে সরানো হয়েছে।"],
    "th": ["การประชุมถูกเลื่อนไปเป็นวันพฤหัสบดีเพราะห้องถูกจองไว้แล้ว"],
    "ta": ["அறை முன்பதிவு செய்யப்பட்டிருந்ததால் கூட்டம் வியாழக்கிழமைக்கு மாற்றப்பட்டது."],
    "te": ["గది ముందే బుక్ చేయబడినందున సమావేశం గురువారానికి మార్చబడింది."],
    "gu": ["ઓરડો પહેલેથી આરક્ષિત હોવાથી બેઠક ગુરુવારે ખસેડવામાં આવી."],
    "pa": ["ਕਮਰਾ ਪਹਿਲਾਂ ਤੋਂ ਰਾਖਵਾਂ ਹੋਣ ਕਰਕੇ ਮੀਟਿੰਗ ਵੀਰਵਾਰ ਨੂੰ ਕਰ ਦਿੱਤੀ ਗਈ।"],
    "kn": ["ಕೊಠಡಿ ಮೊದಲೇ ಕಾಯ್ದಿರಿಸಲಾಗಿದ್ದರಿಂದ ಸಭೆಯನ್ನು ಗುರುವಾರಕ್ಕೆ ಮುಂದೂಡಲಾಯಿತು."],
    "ml": ["മുറി നേരത്തെ ബുക്ക് ചെയ്തിരുന്നതിനാൽ യോഗം വ്യാഴാഴ്ചയിലേക്ക് മാറ്റി."],
    "ur": ["کمرہ پہلے سے مخصوص تھا اس لیے اجلاس جمعرات کو منتقل کر دیا گیا۔"],
}
