#!/usr/bin/env python3
"""Write a deterministic sample corpus of raw news page dumps for corpus_lib.

The pages imitate what a user gets by scraping news sites and rendering each page
to text: four site layouts in Russian, Azerbaijani and English, some near and exact
duplicates, and a few broken files. All prose is invented from small per-language
grammars; the same arguments always give byte-identical output.

    python scripts/make_sample_corpus.py OUT_DIR [--pages N] [--seed S] [--truth PATH] [--force]

``--truth`` writes the expected parse of every page as JSON Lines, sorted by path.
"""

from __future__ import annotations

import argparse
import calendar
import dataclasses
import datetime as dt
import hashlib
import json
import random
import re
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PAGES = 320
DEFAULT_SEED = 20240328
MIN_PAGES = 60

FIRST_YEAR, LAST_YEAR = 2019, 2024
MONTHS = (LAST_YEAR - FIRST_YEAR + 1) * 12
# Months with a burst of news, so an articles-per-month plot has something to show.
BUSY_MONTHS = ((2020, 3), (2020, 4), (2020, 10), (2022, 2), (2022, 3), (2023, 9))
# No 01:00-05:59: keeps London wall times clear of the DST gap and overlap.
PUBLISHING_HOURS = (0, *range(6, 24))
MAX_CRAWL_DELAY = dt.timedelta(days=900)
LAST_CRAWL = dt.datetime(2025, 6, 30, 23, 59)

LAYOUTS = ("mil", "azxeber", "dailywire", "ruportal")
LAYOUT_SHARES = {"mil": 30, "azxeber": 25, "dailywire": 25, "ruportal": 20}  # percent
FOLDERS = (*LAYOUTS, "misc")


@dataclass(frozen=True)
class Source:
    folder: str
    name: str
    homepage: str
    timezone: str
    language: str


SOURCES = (
    Source("mil", "Ministry of Defence of the Republic of Azerbaijan", "https://mil.az", "Asia/Baku", "ru"),
    Source("azxeber", "AzXəbər News Portal", "https://azxeber.example.az", "Asia/Baku", "az"),
    Source("dailywire", "Thameside Daily Wire", "https://dailywire.example.co.uk", "Europe/London", "en"),
    Source("ruportal", "RuPortal City News", "https://ruportal.example.ru", "Europe/Moscow", "ru"),
)
LANGUAGE = {source.folder: source.language for source in SOURCES}

# --------------------------------------------------------------------------- calendar words

RU_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
RU_MONTHS_GEN = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
AZ_MONTHS = (
    "yanvar", "fevral", "mart", "aprel", "may", "iyun",
    "iyul", "avqust", "sentyabr", "oktyabr", "noyabr", "dekabr",
)
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EN_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def ru_day_month(day: dt.date) -> str:
    return f"{day.day} {RU_MONTHS_GEN[day.month - 1]}"


def az_day_month(day: dt.date) -> str:
    return f"{day.day} {AZ_MONTHS[day.month - 1]}"


def en_weekday(day: dt.date) -> str:
    return EN_WEEKDAYS[day.weekday()]


# --------------------------------------------------------------------------- grammars


@dataclass(frozen=True)
class Grammar:
    """Sentence templates whose ``{slot}`` fields are filled from word lists.

    ``{Slot}`` (capitalised) inserts the filler with its first letter upper-cased.
    ``{today}`` is the publication date phrased for the language.
    """

    language: str
    slots: Mapping[str, tuple[str, ...]]
    openers: tuple[str, ...]
    sentences: tuple[str, ...]
    titles: tuple[str, ...]
    today: Callable[[dt.date], str]


RU_OPENERS = (
    "Сегодня, {today} {subj} {action}.",
    "{today} {place} {subj} {action}.",
    "{Time} {place} {subj} {action}.",
)
RU_SENTENCES = (
    "{Time} {place} {subj} {action}.",
    "{Lead}, что {clause}.",
    "{Person_m} {said_m}, что {clause}.",
    "{Person_f} {said_f}, что {clause}.",
    "{Clause}.",
    "В мероприятии приняли участие более {num} {people}.",
    "Особое внимание было уделено {focus}.",
    "Как сообщили в пресс-службе, {clause}.",
    "По завершении {event} {subj} {action}.",
    "Кроме того, {subj} {action}.",
    "{Clause}, а {clause}.",
)
RU_SHARED_SLOTS = {
    "said_m": ("сообщил", "отметил", "подчеркнул", "заявил", "напомнил"),
    "said_f": ("сообщила", "отметила", "подчеркнула", "заявила", "напомнила"),
    "num": ("20", "30", "40", "50", "60", "80", "100", "120", "150", "200", "300"),
}

MIL = Grammar(
    language="ru",
    slots={
        **RU_SHARED_SLOTS,
        "time": (
            "накануне", "на этой неделе", "в соответствии с планом боевой подготовки",
            "в рамках нового учебного года", "в ходе рабочего визита", "в минувшие выходные",
            "в начале месяца",
        ),
        "place": (
            "в Баку", "в Гяндже", "в Нахчыване", "на полигоне", "в одном из учебных центров",
            "в воинских частях", "в Военной академии", "в Доме офицеров", "в Военном лицее",
        ),
        "subj": (
            "представители Министерства обороны", "члены делегации", "военнослужащие",
            "курсанты военных лицеев", "командиры подразделений", "специалисты инженерных войск",
            "военные врачи", "участники совещания", "молодые офицеры", "ветераны службы",
        ),
        "action": (
            "обсудили вопросы военного сотрудничества", "провели тактические учения с боевой стрельбой",
            "ознакомились с условиями службы", "приняли участие в торжественной церемонии",
            "подвели итоги учебного года", "выполнили нормативы по физической подготовке",
            "рассмотрели план совместных мероприятий на текущий год",
            "посетили учебные классы и спортивный комплекс",
            "обсудили перспективы развития военного образования",
            "отработали действия по сигналу тревоги", "провели показательные занятия для курсантов",
            "возложили цветы к памятнику героям",
        ),
        "lead": (
            "Было отмечено", "Подчеркивается", "Отмечается", "В ведомстве сообщили",
            "Участники встречи подчеркнули", "Было особо подчеркнуто",
        ),
        "clause": (
            "мероприятия прошли на высоком организационном уровне",
            "поставленные задачи были успешно выполнены", "работа в этом направлении будет продолжена",
            "в ближайшее время планируется провести ряд совместных мероприятий",
            "условия службы в подразделениях постоянно улучшаются",
            "особое внимание уделяется подготовке молодых офицеров",
            "все участники продемонстрировали высокий уровень профессионализма",
            "сотрудничество между ведомствами успешно развивается",
            "учения проводятся в соответствии с утвержденным планом",
            "в учебных центрах установлено современное оборудование",
            "опыт проведенных занятий будет обобщен и изучен",
        ),
        "person_m": (
            "начальник управления полковник Эльдар Мамедов", "командир части подполковник Фуад Исмаилов",
            "представитель ведомства Ровшан Алиев", "заместитель начальника академии полковник Тимур Гусейнов",
            "начальник штаба майор Кенан Джафаров",
        ),
        "person_f": (
            "руководитель пресс-службы Наргиз Гасымова", "военный врач майор Севиндж Ахмедова",
            "преподаватель академии Лейла Рзаева",
        ),
        "people": ("военнослужащих", "курсантов", "участников", "специалистов", "человек"),
        "focus": (
            "вопросам безопасности", "подготовке молодых специалистов",
            "состоянию материально-технической базы", "соблюдению мер безопасности на занятиях",
            "развитию военной инфраструктуры",
        ),
        "event": ("встречи", "совещания", "церемонии", "занятий", "учений"),
        "field": (
            "военного сотрудничества", "военно-технического сотрудничества",
            "сотрудничества в сфере военного образования", "сотрудничества в области военной медицины",
        ),
        "country_ins": (
            "Турцией", "Грузией", "Казахстаном", "Узбекистаном", "Пакистаном", "Италией", "Венгрией", "Сербией",
        ),
        "country_gen": ("Турции", "Грузии", "Казахстана", "Узбекистана", "Пакистана", "Италии", "Венгрии", "Сербии"),
    },
    openers=RU_OPENERS,
    sentences=RU_SENTENCES,
    titles=(
        "{Place} {subj} {action}",
        "Обсуждены перспективы развития {field} между Азербайджаном и {country_ins}",
        "Состоялась встреча с делегацией {country_gen} по вопросам {field}",
        "{Subj} {action}",
    ),
    today=ru_day_month,
)

RUPORTAL = Grammar(
    language="ru",
    slots={
        **RU_SHARED_SLOTS,
        "time": (
            "накануне", "в понедельник", "во вторник", "в среду", "в четверг", "в пятницу",
            "на этой неделе", "в минувшие выходные",
        ),
        "place": (
            "в Москве", "в Казани", "в Екатеринбурге", "в Новосибирске", "в Самаре",
            "в Нижнем Новгороде", "в Калуге", "в Твери", "в Ярославле",
        ),
        "subj": (
            "представители городской администрации", "депутаты городской думы", "жители района",
            "эксперты отрасли", "участники форума", "сотрудники коммунальных служб",
            "организаторы фестиваля", "специалисты министерства", "школьники и их родители",
            "волонтеры",
        ),
        "action": (
            "обсудили план благоустройства центральных улиц", "представили проект нового транспортного узла",
            "подвели итоги отопительного сезона", "рассмотрели вопросы ремонта дорог",
            "открыли новую детскую площадку", "высадили более тысячи деревьев",
            "обсудили развитие общественного транспорта", "утвердили программу поддержки малого бизнеса",
            "провели субботник в городском парке", "собрали предложения по обновлению набережной",
            "посетили обновленную поликлинику",
        ),
        "lead": (
            "Было отмечено", "Подчеркивается", "Отмечается", "В администрации сообщили",
            "Участники обсуждения подчеркнули", "Выяснилось",
        ),
        "clause": (
            "работы планируется завершить до конца года",
            "на реализацию проекта выделено более 200 миллионов рублей",
            "интерес к мероприятию оказался выше ожидаемого",
            "в ближайшее время пройдет общественное обсуждение",
            "основные показатели превысили прошлогодний уровень",
            "количество обращений граждан заметно сократилось",
            "новые маршруты начнут работать уже в следующем месяце", "часть работ уже выполнена",
            "жители смогут оставить свои предложения на сайте администрации",
            "подрядчик обязан соблюдать утвержденный график",
            "финансирование программы будет увеличено в следующем году",
        ),
        "person_m": (
            "глава района Андрей Смирнов", "заместитель мэра Олег Волков",
            "директор департамента Игорь Соколов", "депутат городской думы Сергей Павлов",
            "экономист Дмитрий Козлов",
        ),
        "person_f": (
            "руководитель пресс-службы Елена Морозова", "председатель комитета Ирина Новикова",
            "директор библиотеки Анна Лебедева", "социолог Мария Федорова",
        ),
        "people": ("человек", "участников", "жителей", "специалистов", "волонтеров"),
        "focus": (
            "вопросам безопасности дорожного движения", "ремонту школ и детских садов",
            "поддержке многодетных семей", "развитию туризма", "экологической обстановке",
        ),
        "event": ("заседания", "форума", "совещания", "встречи", "обсуждения"),
        "news": (
            "открылся новый культурный центр", "начался ремонт главного моста",
            "прошел фестиваль уличной музыки", "завершился международный форум",
            "выросло число туристов", "подвели итоги городского конкурса",
            "запустили новый автобусный маршрут", "обсудили строительство новой школы",
        ),
    },
    openers=RU_OPENERS,
    sentences=RU_SENTENCES,
    titles=(
        "{Place} {subj} {action}",
        "{Place} {news}",
        "{Person_m} {said_m}, что {clause}",
        "{Subj} {action}",
    ),
    today=ru_day_month,
)

AZXEBER = Grammar(
    language="az",
    slots={
        "time": (
            "bu gün", "dünən", "ötən həftə", "həftə ərzində", "görüş zamanı", "tədbir çərçivəsində",
            "ayın əvvəlində",
        ),
        "place": (
            "Bakıda", "Gəncədə", "Sumqayıtda", "Şəkidə", "Lənkəranda", "Qəbələdə", "Mingəçevirdə",
            "paytaxtda",
        ),
        "subj": (
            "nazirliyin nümayəndələri", "ekspertlər", "komissiyanın üzvləri", "forumun iştirakçıları",
            "şirkətin rəhbərliyi", "bələdiyyə nümayəndələri", "gənc mütəxəssislər",
            "ictimaiyyət nümayəndələri", "könüllülər",
        ),
        "action": (
            "regionun inkişaf planını müzakirə ediblər", "yeni nəqliyyat layihəsini təqdim ediblər",
            "ilin ilk yarısının nəticələrini yekunlaşdırıblar",
            "ikitərəfli əməkdaşlıq məsələlərini nəzərdən keçiriblər",
            "kiçik sahibkarlığa dəstək proqramını təsdiqləyiblər",
            "yeni məktəb binasının açılışında iştirak ediblər", "ağacəkmə aksiyası keçiriblər",
            "ictimai nəqliyyatın inkişafını müzakirə ediblər", "şəhər parkında iməcilik təşkil ediblər",
            "yeni xəstəxana binası ilə tanış olublar",
        ),
        "lead": ("Qeyd olunub", "Bildirilib", "Vurğulanıb", "Məlumat verilib", "Tədbirdə diqqətə çatdırılıb"),
        "clause": (
            "bu istiqamətdə işlər davam etdiriləcək", "əsas göstəricilər ötən ilin səviyyəsini üstələyib",
            "layihənin icrası bir neçə il çəkəcək", "tədbir yüksək səviyyədə təşkil olunub",
            "yaxın vaxtlarda ictimai müzakirələr keçiriləcək", "işlərin bir hissəsi artıq başa çatıb",
            "vətəndaşların müraciətlərinin sayı xeyli azalıb",
            "yeni marşrutlar gələn aydan fəaliyyətə başlayacaq",
            "layihənin maliyyələşdirilməsi gələn il artırılacaq",
            "sakinlər təkliflərini rəsmi sayt vasitəsilə göndərə biləcəklər",
        ),
        "person": (
            "nazir müavini Elvin Məmmədov", "şöbə müdiri Aysel Quliyeva", "icra başçısının müavini Rauf Həsənov",
            "ekspert Nigar Əliyeva", "layihə rəhbəri Tural İsmayılov", "mətbuat katibi Günel Rzayeva",
        ),
        "said": ("bildirib", "qeyd edib", "vurğulayıb", "əlavə edib"),
        "num": ("20", "30", "40", "50", "60", "80", "100", "120", "150", "200", "300"),
        "focus": (
            "təhlükəsizlik məsələlərinə", "gənc kadrların hazırlanmasına", "infrastrukturun inkişafına",
            "ekoloji vəziyyətə", "turizmin inkişafına",
        ),
        "event": ("Görüşdən", "İclasdan", "Mərasimdən", "Forumdan", "Müzakirədən"),
        "role": ("Nazir müavini", "Ekspert", "Şöbə müdiri", "Layihə rəhbəri", "Bələdiyyə sədri"),
        "news": (
            "yeni mədəniyyət mərkəzi açılıb", "əsas körpünün təmirinə başlanılıb",
            "küçə musiqisi festivalı keçirilib", "beynəlxalq forum başa çatıb", "turistlərin sayı artıb",
            "yeni avtobus marşrutu istifadəyə verilib", "yeni məktəb binasının tikintisinə başlanılıb",
        ),
    },
    openers=(
        "{today} tarixində {place} {subj} {action}.",
        "{Time} {place} {subj} {action}.",
    ),
    sentences=(
        "{Time} {place} {subj} {action}.",
        "{Lead} ki, {clause}.",
        "{Person} {said} ki, {clause}.",
        "{Clause}.",
        "Tədbirə {num} nəfərdən çox insan qatılıb.",
        "Xüsusi diqqət {focus} yetirilib.",
        "Mətbuat xidmətindən bildirilib ki, {clause}.",
        "{event} sonra {subj} {action}.",
        "Bundan başqa, {subj} {action}.",
        "{Clause}, həmçinin {clause}.",
    ),
    titles=(
        "{Place} {subj} {action}",
        "{role}: {Clause}",
        "{Place} {news}",
    ),
    today=az_day_month,
)

DAILYWIRE = Grammar(
    language="en",
    slots={
        "time": (
            "earlier this week", "last month", "over the weekend", "this week", "on Monday evening",
            "late last year", "at the start of the month",
        ),
        "place": (
            "in Leeds", "in Bristol", "in Norwich", "in Cardiff", "in York", "in Plymouth", "in Exeter", "in Derby",
        ),
        "city": ("Leeds", "Bristol", "Norwich", "Cardiff", "York", "Plymouth", "Exeter", "Derby"),
        "subj": (
            "council officials", "local residents", "transport planners", "union representatives",
            "researchers at the university", "members of the planning committee", "volunteers",
            "hospital managers", "parents and teachers",
        ),
        "action": (
            "discussed plans for a new bus network", "unveiled proposals for a riverside park",
            "agreed a budget for road repairs", "opened a refurbished community library",
            "launched a consultation on parking charges", "presented the results of a two-year study",
            "called for more investment in rail services", "approved a scheme to insulate older homes",
            "met to review the winter flood defences", "set out a timetable for the new swimming pool",
        ),
        "lead": (
            "Officials confirmed", "The council said", "A spokesperson explained", "The report found",
            "Organisers said",
        ),
        "clause": (
            "work is expected to be completed by the end of the year", "the project will cost around £12 million",
            "interest in the scheme has been higher than expected", "a public consultation will open next month",
            "the figures are an improvement on last year", "most of the funding has already been secured",
            "the new timetable will take effect in the spring", "local businesses have broadly welcomed the plans",
            "further details will be published in the coming weeks",
            "the contractor must keep to the agreed schedule",
        ),
        "person": (
            "council spokesperson Tom Ellison", "local shop owner Priya Natarajan",
            "residents' association chair Mark Denton", "Councillor Sarah Whitfield", "Dr Helen Marsh",
            "project manager Owen Price",
        ),
        "said": ("said", "added", "told reporters", "noted"),
        "num": ("40", "120", "200", "350", "500", "1,000"),
        "focus": (
            "road safety", "air quality", "support for small businesses", "the cost of living", "school transport",
        ),
        "event": ("meeting", "consultation", "vote", "public hearing"),
        "council_action": (
            "approves scheme to insulate older homes", "unveils plans for a riverside park",
            "launches consultation on parking charges", "agrees budget for road repairs",
            "reopens refurbished community library", "backs new bus network after long debate",
            "delays decision on city centre car ban",
        ),
        "residents_action": (
            "call for more investment in rail services", "welcome plans for a new cycle route",
            "raise concerns over rising parking charges", "campaign to save historic market hall",
            "vote on the future of the town hall",
        ),
        "finding": (
            "bus use has risen sharply", "air quality has improved", "demand for allotments has doubled",
            "fewer young people are learning to drive", "more families are walking to school",
        ),
    },
    openers=(
        "On {today}, {subj} {action} {place}.",
        "{Time}, {subj} {action} {place}.",
    ),
    sentences=(
        "{Time}, {subj} {action} {place}.",
        "{Lead} that {clause}.",
        "{Person} {said} that {clause}.",
        "\u201c{Clause},\u201d {person} said.",
        "According to the council, {clause}.",
        "More than {num} people attended the {event}.",
        "Particular attention was paid to {focus}.",
        "After the {event}, {subj} {action}.",
        "{Clause}.",
        "In addition, {subj} {action}.",
        "{Clause}, and {clause}.",
    ),
    titles=(
        "{city} council {council_action}",
        "{city} residents {residents_action}",
        "Study finds {finding} in {city}",
        "{Subj} {action} {place}",
    ),
    today=en_weekday,
)

GRAMMARS = {"mil": MIL, "azxeber": AZXEBER, "dailywire": DAILYWIRE, "ruportal": RUPORTAL}

# Word swaps for near-duplicates: each keeps the sentence grammatical.
SYNONYMS = {
    "ru": {
        "обсудили": "рассмотрели", "рассмотрели": "обсудили", "представили": "презентовали",
        "более": "свыше", "сообщил": "рассказал", "сообщила": "рассказала", "отметил": "подчеркнул",
        "подчеркнул": "отметил", "новую": "очередную", "успешно": "уверенно", "заметно": "значительно",
        "высоком": "хорошем", "Особое": "Отдельное",
    },
    "az": {
        "bildirib": "qeyd edib", "ekspertlər": "mütəxəssislər", "yeni": "növbəti", "çox": "artıq",
        "xeyli": "əhəmiyyətli dərəcədə", "yüksək": "yaxşı", "müzakirə": "təhlil",
    },
    "en": {
        "said": "stated", "discussed": "debated", "council": "authority", "plans": "proposals",
        "residents": "locals", "around": "about", "volunteers": "helpers", "completed": "finished",
        "approved": "backed", "launched": "started", "further": "more",
    },
}

SLOT = re.compile(r"\{(\w+)\}")
PARAGRAPH_CHARS = (60, 400)
TITLE_CHARS = (40, 140)


def upper_first(text: str, language: str) -> str:
    if not text:
        return text
    head = "İ" if language == "az" and text[0] == "i" else text[0].upper()  # dotted capital I
    return head + text[1:]


@dataclass
class Draft:
    """What an article has said so far, so that it does not keep repeating itself."""

    sentences: set[str] = field(default_factory=set)
    filler_uses: Counter[str] = field(default_factory=Counter)


def fill(template: str, grammar: Grammar, rng: random.Random, today: dt.date | None = None,
         draft: Draft | None = None) -> str:
    chosen: list[str] = []

    def filler(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "today":
            assert today is not None, "opener needs the publication date"
            return grammar.today(today)
        words = [word for word in grammar.slots[name.lower()] if word not in chosen]
        if draft is not None:  # least-used fillers first, so a long article varies its wording
            fewest = min(draft.filler_uses[word] for word in words)
            words = [word for word in words if draft.filler_uses[word] == fewest]
        word = rng.choice(words)
        chosen.append(word)
        if draft is not None:
            draft.filler_uses[word] += 1
        return upper_first(word, grammar.language) if name[0].isupper() else word

    return upper_first(SLOT.sub(filler, template), grammar.language)


def make_title(rng: random.Random, grammar: Grammar) -> str:
    low, high = TITLE_CHARS
    while True:
        title = fill(rng.choice(grammar.titles), grammar, rng)
        if low <= len(title) <= high:
            return title


def make_paragraph(rng: random.Random, grammar: Grammar, draft: Draft, opener_for: dt.date | None = None) -> str:
    """1-4 new sentences, 60-400 characters; starts with an opener when given the publication date."""
    low, high = PARAGRAPH_CHARS
    wanted = rng.randint(1, 4)
    sentences: list[str] = []
    if opener_for is not None:
        sentences.append(fill(rng.choice(grammar.openers), grammar, rng, opener_for, draft))
    while True:
        text = " ".join(sentences)
        if len(sentences) >= wanted and len(text) >= low:
            break
        sentence = fill(rng.choice(grammar.sentences), grammar, rng, draft=draft)
        if sentence in draft.sentences or sentence in sentences:
            continue
        if len(text) + 1 + len(sentence) <= high:
            sentences.append(sentence)
        elif len(text) >= low:
            break
    draft.sentences.update(sentences)
    return text


# --------------------------------------------------------------------------- dates


def month_weights() -> list[float]:
    weights = []
    for index in range(MONTHS):
        year, month = FIRST_YEAR + index // 12, index % 12 + 1
        weight = 1.0 + index / 24  # the sites publish more every year
        if (year, month) in BUSY_MONTHS:
            weight *= 2.5
        if month in (7, 8):
            weight *= 0.6
        weights.append(weight)
    return weights


def publication_times(rng: random.Random, count: int) -> list[dt.datetime]:
    per_month = min(2, count // MONTHS)
    months = [index for index in range(MONTHS) for _ in range(per_month)]
    months += rng.choices(range(MONTHS), weights=month_weights(), k=count - len(months))
    times = []
    for index in months:
        year, month = FIRST_YEAR + index // 12, index % 12 + 1
        day = rng.randint(1, calendar.monthrange(year, month)[1])
        times.append(dt.datetime(year, month, day, rng.choice(PUBLISHING_HOURS), rng.randint(0, 59)))
    rng.shuffle(times)
    return times


def crawl_time(rng: random.Random, published: dt.datetime) -> dt.datetime:
    latest = min(published + MAX_CRAWL_DELAY, LAST_CRAWL)
    minutes = int((latest - published).total_seconds()) // 60
    return published + dt.timedelta(minutes=rng.randint(20, minutes))


def later_time(rng: random.Random, start: dt.datetime, max_minutes: int) -> dt.datetime:
    """A wall time after ``start`` that avoids 01:00-05:59 (see PUBLISHING_HOURS)."""
    moment = start + dt.timedelta(minutes=rng.randint(15, max_minutes))
    if 1 <= moment.hour <= 5:
        moment = moment.replace(hour=moment.hour + 5)
    return moment


def last_sunday(year: int, month: int) -> dt.date:
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return last - dt.timedelta(days=(last.weekday() - 6) % 7)


def is_british_summer_time(moment: dt.datetime) -> bool:
    """Exact for wall times outside 01:00-01:59 on the two switch days."""
    start = dt.datetime.combine(last_sunday(moment.year, 3), dt.time(1))
    end = dt.datetime.combine(last_sunday(moment.year, 10), dt.time(1))
    return start <= moment < end


def iso_local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# --------------------------------------------------------------------------- articles and pages


@dataclass(frozen=True)
class Article:
    title: str
    published: dt.datetime  # wall time in the site's zone, as printed on the page
    crawled: dt.datetime  # wall time in the site's zone when the page was saved
    paragraphs: tuple[str, ...]
    media: tuple[str, ...] = ()  # sorted subset of ("photo", "video")


@dataclass(eq=False)
class Page:
    folder: str
    data: bytes
    kind: str  # article, near_duplicate, exact_duplicate, broken
    language: str | None
    article: Article | None = None
    original: Page | None = None
    encoding: str | None = "utf-8"
    path: str = ""

    def truth(self) -> dict[str, object]:
        article = self.article
        return {
            "source_file": self.path,
            "kind": self.kind,
            "duplicate_of": self.original.path if self.original else None,
            "title": article.title if article else None,
            "published_local": iso_local(article.published) if article else None,
            "crawled_local": iso_local(article.crawled) if article and self.folder == "mil" else None,
            "media": list(article.media) if article else [],
            "language": self.language,
            "body": "\n\n".join(article.paragraphs) if article else None,
            "encoding": self.encoding,
        }


MEDIA_CHOICES = ((), ("photo",), ("video",), ("photo", "video"))
MEDIA_WEIGHTS = {"mil": (40, 25, 15, 20), "dailywire": (65, 20, 10, 5)}  # layouts B and D show no media


def make_article(rng: random.Random, folder: str, published: dt.datetime, used_titles: set[str]) -> Article:
    grammar = GRAMMARS[folder]
    title = make_title(rng, grammar)
    while title in used_titles:
        title = make_title(rng, grammar)
    used_titles.add(title)
    draft = Draft()
    paragraphs = [make_paragraph(rng, grammar, draft, opener_for=published.date())]
    paragraphs += [make_paragraph(rng, grammar, draft) for _ in range(rng.randint(2, 14))]
    media: tuple[str, ...] = ()
    if folder in MEDIA_WEIGHTS:
        media = rng.choices(MEDIA_CHOICES, weights=MEDIA_WEIGHTS[folder])[0]
    return Article(title, published, crawl_time(rng, published), tuple(paragraphs), media)


def headlines(rng: random.Random, folder: str, count: int) -> list[str]:
    return [make_title(rng, GRAMMARS[folder]) for _ in range(count)]


def encode(lines: Sequence[str], encoding: str = "utf-8", newline: str = "\n") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


# --------------------------------------------------------------------------- layout A: mil

MIL_MARKERS = {(): "", ("photo",): " (Фото)", ("video",): " (Видео)", ("photo", "video"): " (Фото-Видео)"}
BAKU_MEAN_TEMPERATURE = (4, 4, 7, 13, 18, 23, 26, 26, 22, 16, 11, 7)
MIL_FOOTER = ("Официальный сайт Министерства обороны Азербайджанской Республики", "banner", "", "Советуем почитать")


def render_mil(article: Article, rng: random.Random) -> list[str]:
    crawled, published = article.crawled, article.published
    month = RU_MONTHS_GEN[crawled.month - 1].capitalize()
    temperature = BAKU_MEAN_TEMPERATURE[crawled.month - 1] + rng.randint(-4, 5)
    lines = [
        f"• {RU_WEEKDAYS[crawled.weekday()]}, {crawled.day} {month}, {crawled:%H:%M}",
        f"  • Baku Баку {temperature}°C",
    ]
    rates = ["  • USD 1.7000", f"  • EUR {rng.uniform(1.80, 2.05):.4f}"]
    lines += rates[: rng.randint(0, 2)]
    title = article.title + MIL_MARKERS[article.media]
    dateline = f"{published.day:02d} {RU_MONTHS_GEN[published.month - 1]} {published.year} | {published:%H:%M}"
    lines += ["", title, "", dateline, title, *article.paragraphs, "", *MIL_FOOTER]
    if rng.random() < 0.5:
        lines += headlines(rng, "mil", rng.randint(2, 4))
    return lines


# --------------------------------------------------------------------------- layout B: azxeber

AZ_SECTIONS = ("Siyasət", "İqtisadiyyat", "Cəmiyyət", "İdman", "Mədəniyyət", "Dünya", "Texnologiya", "Sağlamlıq")
AZ_COPYRIGHT = "AzXəbər. Bütün hüquqlar qorunur."


def azxeber_header(rng: random.Random) -> list[str]:
    sections = [section for section in AZ_SECTIONS if rng.random() < 0.8] or list(AZ_SECTIONS[:3])
    separator = rng.choice(("»", "/", ">"))
    breadcrumb = f"Ana səhifə {separator} {rng.choice(sections)}"
    return ["* Ana səhifə", *(f"* {section}" for section in sections), "", breadcrumb, ""]


def azxeber_footer(rng: random.Random, around: dt.datetime, year: int) -> list[str]:
    lines = ["Digər xəbərlər"]
    for days_back, headline in enumerate(headlines(rng, "azxeber", rng.randint(3, 5))):
        lines.append(f"* {around - dt.timedelta(days=days_back):%d.%m.%Y} {headline}")
    return [*lines, "", "Paylaş: Facebook Twitter WhatsApp", f"© {year} {AZ_COPYRIGHT}"]


def render_azxeber(article: Article, rng: random.Random) -> list[str]:
    published = article.published
    if rng.random() < 0.5:
        dateline = f"{az_day_month(published)} {published.year}, {published:%H:%M}"
    else:
        dateline = f"{published:%d.%m.%Y %H:%M}"
    lines = [*azxeber_header(rng), article.title, dateline]
    if rng.random() < 0.4:
        lines.append(f"Baxış sayı: {rng.randint(120, 9800)}")
    for paragraph in article.paragraphs:
        lines += ["", paragraph]
    return [*lines, "", *azxeber_footer(rng, published, article.crawled.year)]


# --------------------------------------------------------------------------- layout C: dailywire

DAILYWIRE_NAME = "Thameside Daily Wire"
EN_SECTIONS = ("Home", "World", "UK", "Business", "Politics", "Sport", "Culture", "Travel")
COOKIE_BANNER = "We use cookies to improve your experience. Accept"
BYLINE_FIRST = ("Emma", "Oliver", "Hannah", "Daniel", "Chloe", "Samuel", "Grace", "Ravi")
BYLINE_LAST = ("Thornton", "Blake", "Ashworth", "Mensah", "Kowalski", "Reid", "Fletcher", "Doyle")
PHOTO_CAPTIONS = (
    "Commuters waiting at a bus stop in the city centre", "The refurbished library reopened to visitors this week",
    "Volunteers planting trees near the river", "Councillors during the planning meeting",
    "A new cycle lane on Market Street",
)
VIDEO_TITLES = (
    "Residents explain what the changes mean for them", "A walk through the proposed riverside park",
    "The council leader answers readers' questions",
)


def us_datetime(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{EN_MONTHS[moment.month - 1]} {moment.day}, {moment.year} {hour}:{moment:%M} {half}"


def uk_datetime(moment: dt.datetime) -> str:
    zone = "BST" if is_british_summer_time(moment) else "GMT"
    weekday, month = EN_WEEKDAYS[moment.weekday()][:3], EN_MONTHS[moment.month - 1][:3]
    return f"{weekday} {moment.day} {month} {moment.year} {moment:%H.%M} {zone}"


def dailywire_datelines(rng: random.Random, published: dt.datetime) -> list[str]:
    updated = later_time(rng, published, 2 * 24 * 60) if rng.random() < 0.35 else None
    if rng.random() < 0.5:
        lines = [f"Published: {us_datetime(published)}"]
        if updated:
            lines.append(f"Updated: {us_datetime(updated)}")
    else:
        lines = [uk_datetime(published)]
        if updated:
            lines.append(f"Last modified on {uk_datetime(updated)}")
    return lines


def render_dailywire(article: Article, rng: random.Random) -> list[str]:
    cookies_on_top = rng.random() < 0.3
    lines = [COOKIE_BANNER] if cookies_on_top else []
    if rng.random() < 0.5:
        lines.append("Sign in | Subscribe")
    lines += [f"+ {section}" for section in EN_SECTIONS if section == "Home" or rng.random() < 0.85]
    lines += [f"{DAILYWIRE_NAME} | {article.title}", "", article.title]
    lines += [f"By {rng.choice(BYLINE_FIRST)} {rng.choice(BYLINE_LAST)}", *dailywire_datelines(rng, article.published)]
    embeds: dict[int, list[str]] = {}
    if "photo" in article.media:
        embeds.setdefault(rng.randrange(len(article.paragraphs)), []).append(f"Photo: {rng.choice(PHOTO_CAPTIONS)}")
    if "video" in article.media:
        duration = f"{rng.randint(1, 4)}:{rng.randint(0, 59):02d}"
        embeds.setdefault(rng.randrange(len(article.paragraphs)), []).append(
            f"Watch: {rng.choice(VIDEO_TITLES)} ({duration})"
        )
    for index, paragraph in enumerate(article.paragraphs):
        lines += ["", paragraph]
        for embed in embeds.get(index, []):
            lines += ["", embed]
    lines += ["", "Read more", "Related articles"]
    lines += [f"+ {headline}" for headline in headlines(rng, "dailywire", rng.randint(2, 4))]
    lines.append("")
    if not cookies_on_top:
        lines.append(COOKIE_BANNER)
    return [*lines, "Subscribe to our newsletter", f"© {article.crawled.year} {DAILYWIRE_NAME}"]


# --------------------------------------------------------------------------- layout D: ruportal

RU_NAV = (("Главная", ()), ("Новости", ("Политика", "Экономика", "Общество", "Происшествия")),
          ("Спорт", ("Футбол", "Хоккей")), ("Культура", ()), ("Контакты", ()))
RU_TAGS = ("город", "транспорт", "экономика", "общество", "культура", "благоустройство", "экология", "образование")


def ruportal_nav(rng: random.Random) -> list[str]:
    lines = ["Поиск по сайту"] if rng.random() < 0.3 else []
    for item, children in RU_NAV:
        if item == "Главная" or rng.random() < 0.85:
            lines.append(f"  o {item}")
            lines += [f"      - {child}" for child in children if rng.random() < 0.7]
    return lines


def render_ruportal(article: Article, rng: random.Random) -> list[str]:
    published = article.published
    dateline = f"{published:%Y-%m-%d %H:%M}" if rng.random() < 0.5 else f"{published:%d.%m.%Y, %H:%M}"
    lines = [*ruportal_nav(rng), "", article.title, dateline]
    if rng.random() < 0.3:
        lines.append(f"Просмотров: {rng.randint(40, 25000)}")
    lines += article.paragraphs
    lines.append("Теги: " + ", ".join(rng.sample(RU_TAGS, rng.randint(1, 4))))
    lines += ["Читайте также:", *(f"  - {headline}" for headline in headlines(rng, "ruportal", rng.randint(2, 4)))]
    return [*lines, "Поделиться", f"© {article.crawled.year} РуПортал", "18+"]


RENDERERS: dict[str, Callable[[Article, random.Random], list[str]]] = {
    "mil": render_mil,
    "azxeber": render_azxeber,
    "dailywire": render_dailywire,
    "ruportal": render_ruportal,
}


def article_page(rng: random.Random, folder: str, article: Article, kind: str = "article",
                 original: Page | None = None) -> Page:
    data = encode(RENDERERS[folder](article, rng))
    return Page(folder, data, kind, LANGUAGE[folder], article, original)


# --------------------------------------------------------------------------- special pages

# (folder of the original, folder of the copy, words swapped; 0 appends a paragraph instead)
NEAR_DUPLICATES = (
    ("mil", "mil", 1),
    ("azxeber", "azxeber", 2),
    ("dailywire", "dailywire", 0),
    ("ruportal", "ruportal", 0),
    ("mil", "ruportal", 1),
    ("dailywire", "dailywire", 2),
)
# (folder, how the copy came about): "copied" byte for byte, or "resaved" later with other chrome
EXACT_DUPLICATES = (("mil", "resaved"), ("azxeber", "copied"), ("ruportal", "resaved"))
BROKEN_PAGE_COUNT = 6
SPECIAL_PAGE_COUNT = len(NEAR_DUPLICATES) + len(EXACT_DUPLICATES) + BROKEN_PAGE_COUNT
TRAILING_PUNCTUATION = ".,;:!?»\u201d"
NEAR_DUPLICATE_MIN_PARAGRAPHS = 8  # long enough that a 1-2 word edit stays above usual similarity thresholds


def reword(rng: random.Random, paragraphs: tuple[str, ...], language: str, count: int) -> tuple[str, ...]:
    synonyms = SYNONYMS[language]
    words = [paragraph.split(" ") for paragraph in paragraphs]
    spots = [
        (p, w) for p, paragraph in enumerate(words) for w, word in enumerate(paragraph)
        if word.rstrip(TRAILING_PUNCTUATION) in synonyms
    ]
    for p, w in rng.sample(spots, min(count, len(spots))):
        word = words[p][w]
        core = word.rstrip(TRAILING_PUNCTUATION)
        words[p][w] = synonyms[core] + word[len(core):]
    return tuple(" ".join(paragraph) for paragraph in words)


def near_duplicate(rng: random.Random, original: Page, folder: str, swaps: int) -> Page:
    source = original.article
    assert source is not None
    if swaps:
        paragraphs = reword(rng, source.paragraphs, LANGUAGE[folder], swaps)
    else:
        draft = Draft({sentence for paragraph in source.paragraphs for sentence in re.split(r"(?<=\.) ", paragraph)})
        paragraphs = (*source.paragraphs, make_paragraph(rng, GRAMMARS[folder], draft))
    published = later_time(rng, source.published, 3 * 24 * 60)
    media = source.media if folder in MEDIA_WEIGHTS else ()
    article = Article(source.title, published, crawl_time(rng, published), paragraphs, media)
    return article_page(rng, folder, article, "near_duplicate", original)


def exact_duplicate(rng: random.Random, original: Page, how: str) -> Page:
    source = original.article
    assert source is not None
    if how == "copied":
        return Page(original.folder, original.data, "exact_duplicate", original.language, source, original)
    # Saved again later: the same article with other navigation, footer and crawl header.
    article = dataclasses.replace(source, crawled=crawl_time(rng, source.published))
    return article_page(rng, original.folder, article, "exact_duplicate", original)


def broken_pages(rng: random.Random) -> list[Page]:
    when = dt.datetime(2023, 11, 14, 9, 30)
    short = Article("Council confirms emergency road closure on the ring road", when,
                    crawl_time(rng, when), ("More details to follow.",))
    not_found = [
        "Ошибка 404", "Страница не найдена", "", "Возможно, она была удалена или перемещена.", "Вернуться на главную",
    ]
    nav_only = [*azxeber_header(rng), *azxeber_footer(rng, when, 2024)]
    # A gzip stream saved under .txt: not UTF-8 (0x8b cannot start a character) and full of NULs.
    binary = b"\x1f\x8b\x08\x00" + rng.randbytes(250) + b"\x00\x00" + rng.randbytes(250)
    return [
        Page("misc", b"", "broken", None),
        Page("misc", b"  \n\n\t\n   \n", "broken", None),
        Page("misc", binary, "broken", None, encoding=None),
        Page("misc", encode(not_found), "broken", "ru"),
        Page("azxeber", encode(nav_only), "broken", "az"),
        Page("dailywire", encode(render_dailywire(short, rng)), "broken", "en", short),
    ]


def pick(rng: random.Random, pages: list[Page], folder: str, taken: list[Page], min_paragraphs: int = 0) -> Page:
    candidates = [
        page for page in pages
        if page.folder == folder and page.kind == "article" and all(page is not other for other in taken)
    ]
    long_enough = [page for page in candidates if page.article and len(page.article.paragraphs) >= min_paragraphs]
    choice = rng.choice(long_enough or candidates)
    taken.append(choice)
    return choice


# --------------------------------------------------------------------------- corpus


def layout_counts(total: int) -> dict[str, int]:
    regular = total - SPECIAL_PAGE_COUNT
    counts = {folder: regular * share // 100 for folder, share in LAYOUT_SHARES.items()}
    for folder in LAYOUTS[: regular - sum(counts.values())]:
        counts[folder] += 1
    return counts


def build_pages(total: int, seed: int) -> list[Page]:
    """Every page of the corpus with its file path assigned."""
    rng = random.Random(seed)
    counts = layout_counts(total)
    times = iter(publication_times(rng, sum(counts.values())))
    used_titles: set[str] = set()
    pages = [
        article_page(rng, folder, make_article(rng, folder, next(times), used_titles))
        for folder in LAYOUTS
        for _ in range(counts[folder])
    ]
    taken: list[Page] = []
    specials = [
        near_duplicate(rng, pick(rng, pages, source, taken, NEAR_DUPLICATE_MIN_PARAGRAPHS), folder, swaps)
        for source, folder, swaps in NEAR_DUPLICATES
    ]
    specials += [exact_duplicate(rng, pick(rng, pages, folder, taken), how) for folder, how in EXACT_DUPLICATES]
    specials += broken_pages(rng)

    # Two valid articles in awkward but legitimate byte forms.
    legacy = pick(rng, pages, "ruportal", taken)
    legacy.data, legacy.encoding = legacy.data.decode("utf-8").encode("cp1251"), "cp1251"
    windows = pick(rng, pages, "dailywire", taken)
    windows.data = windows.data.replace(b"\n", b"\r\n")

    pages += specials
    assign_paths(rng, pages)
    return pages


def assign_paths(rng: random.Random, pages: list[Page]) -> None:
    for folder in FOLDERS:
        group = [page for page in pages if page.folder == folder]
        rng.shuffle(group)
        for index, page in enumerate(group):
            page.path = f"{folder}/{index:03d}_{hashlib.sha256(page.data).hexdigest()[:16]}.txt"


def corpus_toml(name: str = "sample-news", pretty_name: str = "corpus_lib sample news corpus") -> str:
    """The corpus.toml of a corpus made of SOURCES' layouts (scripts/make_synthetic_corpus.py reuses it)."""
    lines = [
        "[dataset]",
        f'name = "{name}"',
        f'pretty_name = "{pretty_name}"',
        'license = "cc-by-4.0"',
    ]
    for source in SOURCES:
        lines += [
            "",
            f"[sources.{source.folder}]",
            f'name = "{source.name}"',
            f'homepage = "{source.homepage}"',
            f'timezone = "{source.timezone}"',
            f'language = "{source.language}"',
        ]
    lines += ["", "[splits]", "test = 0.1", 'salt = "v1"']
    return "\n".join(lines) + "\n"


def write_corpus(out_dir: Path, pages: list[Page]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "corpus.toml").write_bytes(corpus_toml().encode("utf-8"))
    for folder in FOLDERS:
        (out_dir / folder).mkdir(exist_ok=True)
    for page in pages:
        (out_dir / page.path).write_bytes(page.data)


def write_truth(path: Path, pages: list[Page]) -> None:
    rows = [json.dumps(page.truth(), ensure_ascii=False) for page in sorted(pages, key=lambda page: page.path)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(rows) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- command line


def page_count(text: str) -> int:
    value = int(text)
    if value < MIN_PAGES:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_PAGES}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="folder to write the corpus into")
    parser.add_argument(
        "--pages", type=page_count, default=DEFAULT_PAGES, help=f"number of page files (default {DEFAULT_PAGES})"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--truth", type=Path, help="also write the expected parse of every page as JSON Lines here")
    parser.add_argument("--force", action="store_true", help="replace OUT_DIR if it exists and is not empty")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir: Path = args.out_dir
    if args.truth and args.truth.resolve().is_relative_to(out_dir.resolve()):
        print(f"make_sample_corpus: --truth must be outside {out_dir}", file=sys.stderr)
        return 2
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        if not args.force:
            print(f"make_sample_corpus: {out_dir} exists and is not empty (use --force to replace it)", file=sys.stderr)
            return 2
        if out_dir.is_dir():
            shutil.rmtree(out_dir)
        else:
            out_dir.unlink()
    pages = build_pages(args.pages, args.seed)
    write_corpus(out_dir, pages)
    if args.truth:
        write_truth(args.truth, pages)
    per_folder = ", ".join(f"{folder} {sum(page.folder == folder for page in pages)}" for folder in FOLDERS)
    print(f"wrote {len(pages)} pages to {out_dir} ({per_folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
