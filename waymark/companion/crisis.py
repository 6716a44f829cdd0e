"""Crisis safety net: does a check-in note or journal entry signal risk of suicide or overdose?

Pure module (no Django). `assess(text, language)` returns which kinds of risk the text signals and the
person's own words that triggered it. It is a transparent phrase detector, not a clinical assessment: every
pattern, idiom and negation word is listed below with its id and the reason it is there, and
docs/clinical-rules.md states its limits. A match only shows help (988, 911, overdose steps, the person's own
support contacts); it never blocks saving, and the care team hears of it only where the person consented.

How a text is read:

1. Normalised: lower case, accents and other combining marks removed (NFKD), curly apostrophes made
   straight, runs of white space made one space. Every normalised character remembers where it came from,
   so a match is reported as the person wrote it ("Quiero morir", "no quiero vivir así").
2. Every pattern of both languages is tried, whatever `language` says (`companion.crisis.both_languages`):
   people switch languages mid-sentence, and a profile set to the wrong language must not hide a crisis.
3. A match that overlaps a listed everyday idiom is dropped (`companion.crisis.idioms`): "killing myself
   laughing", "overdosed on Netflix", "me quiero morir de vergüenza".
4. A match is dropped when a negation word comes just before it in the same clause, joined to it only by
   the short linking words in `NEGATION_BRIDGES` (`companion.crisis.negation`): "I'm not suicidal",
   "I would never kill myself", "ya no pienso en suicidarme". Any other word, a comma or a full stop ends
   the negation, so "I'm not okay, I want to die" and "I'm not ok I want to die" still count, and so do
   "I can't stop thinking about killing myself" and "I don't know if I want to die". Signs seen in someone
   else (not breathing, won't wake up, blue lips) are never treated as negated: "No, no, he won't wake up".
5. Anything left counts, including mentions of someone else or of the past (`companion.crisis.mentions`):
   the cost of showing help lines is low, the cost of missing a crisis is not.

Sources: NIMH warning signs of suicide (talking about wanting to die or to kill oneself, no reason to live,
being a burden, making a plan, stockpiling pills, saying goodbye, giving away possessions, putting affairs
in order) [secondary: as republished by help-line sites]; REFERENCE.md §4 (any thought of self-harm surfaces
crisis resources at once), §6 (overdose triad: pinpoint pupils, unconsciousness, slowed breathing;
fentanyl) and §12 (help lines); issue #7.
"""

import re
import unicodedata
from dataclasses import dataclass

from waymark.core.rule_info import RuleInfo

SUICIDE = "suicide"
OVERDOSE = "overdose"
KINDS = (SUICIDE, OVERDOSE)
LANGUAGES = ("en", "es")

DETECTOR = "companion.crisis.detector"
NEGATION = "companion.crisis.negation"
IDIOMS_RULE = "companion.crisis.idioms"
MENTIONS = "companion.crisis.mentions"
BOTH_LANGUAGES = "companion.crisis.both_languages"

_BOTH = (SUICIDE, OVERDOSE)


@dataclass(frozen=True)
class CrisisMatch:
    kind: str  # SUICIDE or OVERDOSE
    phrase: str  # the text span as the person wrote it
    pattern: str  # id of the pattern in PATTERNS


@dataclass(frozen=True)
class CrisisAssessment:
    kinds: frozenset[str]
    phrases: tuple[str, ...]  # distinct triggering spans, in the order they appear
    matches: tuple[CrisisMatch, ...]  # in text order

    @property
    def at_risk(self) -> bool:
        return bool(self.kinds)


@dataclass(frozen=True)
class Pattern:
    id: str
    kinds: tuple[str, ...]
    regex: str  # over normalised text: lower case, no accents, one space between words
    why: str
    needs_drug_context: bool = False  # counts only when the text also names a drug or using
    negatable: bool = True  # False for signs seen in someone else: "No, no, he won't wake up" is an emergency


@dataclass(frozen=True)
class Idiom:
    id: str
    regex: str
    why: str


# --- Word lists shared by patterns and idioms ---------------------------------------------------------------

# Things people say they "overdosed on" or "took too much" of without any danger. Vitamins and medicines are
# deliberately absent: an overdose of those is real.
_HARMLESS_EN = (
    r"coffee|caffeine|espresso|energy drinks?|red bull|sugar|candy|sweets|chocolate|cake|cookies|ice cream|"
    r"pizza|carbs|junk food|snacks|food|netflix|tv|television|youtube|tiktok|instagram|social media|"
    r"video games|games|gaming|anime|k-?dramas?|drama|news|memes|music|podcasts|true crime|sun|sunshine|love|"
    r"cuteness|nostalgia|christmas|holidays?|work|homework|studying|cardio"
)
# What else people take or use "too much" of without danger ("took too much time", "took too much on").
_NOT_A_DRUG_EN = r"time|money|space|credit|notice|interest|effort|energy|responsibility|on|to (?:do|handle|say|carry)"
_HARMLESS_ES = (
    r"cafe|cafeina|azucar|dulces|chocolate|pastel|galletas|helado|pizza|comida(?: chatarra)?|netflix|series|"
    r"tele|television|youtube|tiktok|instagram|redes(?: sociales)?|videojuegos|juegos|anime|novelas|"
    r"telenovelas|noticias|memes|musica|sol|amor|ternura|nostalgia|trabajo|tarea|ejercicio|tiempo"
)
# Someone other than the writer, for emergencies seen in another person ("my boyfriend isn't breathing").
_THIRD = (
    r"(?:he|she|they|he'?s|she'?s|they'?re|my [a-z]+|our [a-z]+|"
    r"(?!(?:i|am|it|we|you|this|that|is|are|was|were|me|alarm|phone|app)(?![a-z]))[a-z]+)"
)
_CANT = r"(?:can'?t|cannot|can not|couldn'?t|could not)"
_DONT = r"(?:don'?t|do not|didn'?t|did not|no longer|never)"
_END = r"(?= ?(?:$|[.!?,;:]))"  # the phrase ends its sentence or clause

# Names of drugs and words for using, for patterns that are only a signal when drugs are in the picture.
_DRUG_CONTEXT = re.compile(
    r"(?<![a-z])(?:fent|fentanyl|carfentanil|heroin|dope|opioids?|opiates?|oxy[a-z]*|percs?|percocets?|pills?|"
    r"xanax|bars|benzos?|xylazine|tranq|meth|coke|cocaine|crack|methadone|suboxone|bupe|morphine|"
    r"hydrocodone|vicodin|lean|high|used|using|relapsed|shot up|snorted|took something|fentanilo|heroina|"
    r"pastillas?|drogas?|consumi|me meti|me drogue|me inyecte)(?![a-z])"
)

# --- Patterns -----------------------------------------------------------------------------------------------
# Ids: <language or "any">.<kind>.<name>. Written for normalised text (no accents: "mataria", "dano").

PATTERNS: tuple[Pattern, ...] = (
    # Suicide, both languages
    Pattern(
        "any.suicide.word",
        (SUICIDE,),
        r"suicid[a-z]*",
        "The word itself in any form (suicide, suicidal; suicidio, suicida, suicidarme, se suicidó), including "
        "a death by suicide in the past: grief is a risk too.",
    ),
    # Suicide, English
    Pattern(
        "en.suicide.want_to_die",
        (SUICIDE,),
        r"(?:(?:want(?:s|ed|ing)?|ready|deserve[sd]?|need) to|wanna) (?:just |really )?(?:die|be dead)"
        r"|(?:should|might as well) just die|feel(?:s|ing)? like dying",
        "Talking about wanting to die is the first NIMH warning sign.",
    ),
    Pattern(
        "en.suicide.wish_dead",
        (SUICIDE,),
        r"wish (?:i|i'd) (?:was|were|had) (?:dead|died|never been born|never born)|wish i (?:could|would) "
        r"(?:just )?die|wish i (?:didn'?t|wouldn'?t|did not|would not|won'?t|never) wake up|(?:i'?d|i would) "
        r"rather (?:be dead|die)",
        "A wish to be dead or not to wake up is passive suicidal thinking.",
    ),
    Pattern(
        "en.suicide.kill_myself",
        (SUICIDE,),
        r"(?:kill(?:s|ed|ing)?|unalive|unaliv(?:ed|ing)) (?:myself|my self|himself|herself|themselves|themself)"
        r"|(?<![0-9] )(?<![0-9])kms",
        "Killing oneself, also said of someone else (the writer may need help for them); 'unalive' and 'kms' "
        "are common online shorthand ('5 kms' of running is not).",
    ),
    Pattern(
        "en.suicide.end_my_life",
        (SUICIDE,),
        r"end(?:s|ed|ing)? it all|end(?:s|ed|ing)? (?:my|his|her|their) (?:own )?life|end(?:ing)? it "
        r"(?:tonight|for good|forever|once and for all)|(?:think(?:ing)? (?:of|about)|thought (?:of|about)|want to|"
        r"wanna|going to|gonna|plan(?:ning)? to|ready to) end(?:ing)? things(?! with| between)",
        "Ending it all, ending one's life, 'ending things' (not a relationship).",
    ),
    Pattern(
        "en.suicide.take_my_life",
        (SUICIDE,),
        r"(?:take|takes|taking|taken|took) (?:my (?:own )?|(?:his|her|their) own )life",
        "Taking one's own life ('take my life back' is an idiom, see IDIOMS).",
    ),
    Pattern(
        "en.suicide.no_reason_to_live",
        (SUICIDE,),
        r"no (?:reason|reasons|point|purpose) (?:to|in|for) (?:live|living|being alive|going on|life)|nothing "
        r"(?:left )?to live for|(?:what'?s|what is) the point (?:of|in) (?:living|life|being alive|going on)|"
        r"(?:isn'?t|is not|not|no longer) worth living|(?:lost|losing|no) (?:the |my )?will to live|"
        r"(?:tired|sick) of (?:living|being alive|life)|(?:what'?s|what is) the point (?:anymore|of anything|of it "
        r"all)|(?:my )?life is (?:pointless|meaningless)|feel(?:s|ing)? (?:so |completely |totally |utterly )?"
        r"hopeless(?! about| at| with)|(?:there'?s|there is|i see|i can see) no way out(?! of)|(?:don'?t|do not|"
        r"can'?t|cannot) (?:see|find) (?:a|any) way out(?! of)",
        "No reason to live, nothing to live for: hopelessness is an NIMH warning sign.",
    ),
    Pattern(
        "en.suicide.better_off",
        (SUICIDE,),
        r"better off (?:dead|without me)|be better without me|i'?d be better dead|"
        r"better off if i (?:was|were|wasn'?t|weren'?t) (?:dead|gone|here|around|alive|born)|(?:no one|nobody|"
        r"noone)(?: would| will|'d|'ll)?(?: even)? (?:miss me|notice if i (?:was|were|died|disappeared)|care if "
        r"i (?:die|died|was gone|were gone|was dead|disappear|disappeared))|if i (?:died|was gone|were gone|"
        r"disappeared)(?: tomorrow| today| tonight)?,? (?:no one|nobody) would (?:even )?(?:notice|care|miss me)|"
        r"(?:i'?m|i am|i feel like|i feel|feel like|being) (?:such |just |only )?a (?:burden|waste of space)",
        "Feeling a burden ('everyone would be better off without me') is an NIMH warning sign.",
    ),
    Pattern(
        "en.suicide.dont_want_to_live",
        (SUICIDE,),
        rf"(?:{_DONT}|not sure (?:if |whether )?i|not sure|(?:don'?t|do not) think i) (?:even |really )?"
        rf"(?:want|wanna|wanted)(?: to)? "
        rf"(?:live|be alive|exist|keep living|be here (?:anymore|any more)|be around (?:anymore|any more)|"
        rf"go on(?= ?(?:$|[.!?,;:]| living| like this| anymore| any more))|wake up(?= ?(?:$|[.!?,;:]| again|"
        rf" ever| anymore| tomorrow)))|(?:don'?t|do not) feel like living|(?:don'?t|do not|wouldn'?t|would not) "
        rf"(?:care|mind) if i (?:live or die|die|died|didn'?t wake up|don'?t wake up|was dead|were dead)(?! trying)|"
        rf"(?:wouldn'?t|would not) mind (?:dying|being dead|not waking up)",
        "Not wanting to live is a positive signal even though it contains a negation; 'live with my parents' "
        "and other places are idioms.",
    ),
    Pattern(
        "en.suicide.cant_go_on",
        (SUICIDE,),
        rf"{_CANT} (?:go on|keep going|carry on)(?= ?(?:$|[.!?,;:]| anymore| any more| like this| living))|"
        rf"{_CANT} (?:do|take|handle|bear|stand) (?:this|it) (?:anymore|any more)|{_CANT} live like this",
        "Feeling trapped or in unbearable pain ('I can't go on', 'I can't take it anymore'); deliberately "
        "broad, it shows help for distress that is not yet spelled out.",
    ),
    Pattern(
        "en.suicide.self_harm",
        (SUICIDE,),
        r"self(?:-| )?(?:harm|harming|injury|injure|injuring|mutilat[a-z]*)|(?:want(?:ed)? to|wanna|going to|"
        r"gonna|urges? to|tempted to|need to|try(?:ing)? not to|tried not to|thinking (?:of|about)|thoughts "
        r"(?:of|about)|feel like|might|keep|kept|started|been|scared i'?ll|afraid i'?ll|plan(?:ning)? to) "
        r"(?:hurt(?:ing)?|harm(?:ing)?|cut(?:ting)?|burn(?:ing)?) myself|(?:hurt|harm|cut|burn)(?:ing)? myself "
        r"(?:again|on purpose|deliberately|intentionally)|cutting myself(?! (?:a|an|some|off|slack|short|free|"
        r"loose)(?![a-z]))|slit(?:ting)? my wrists?",
        "Self-harm or the wish to (PHQ-9 item 9). 'I hurt myself' alone is left out: it is most often an accident.",
    ),
    Pattern(
        "en.suicide.method",
        (SUICIDE,),
        r"hang(?:ing)? myself|shoot(?:ing)? myself|blow(?:ing)? my (?:brains|head) (?:out|off)|jump(?:ing)? "
        r"(?:off|from) (?:a|the|this|that) (?:bridge|building|roof|rooftop|cliff|balcony|overpass)|nooses?|"
        r"step(?:ping)? in front of (?:a|the) (?:train|bus|truck|car)|drown(?:ing)? myself",
        "Naming a method or looking for a way is an NIMH warning sign.",
    ),
    Pattern(
        "en.suicide.plan",
        (SUICIDE,),
        r"plan(?:s|ned|ning)? (?:to|how to|on|for) (?:die|dying|end it|ending it|end my life|ending my life)|"
        r"(?:looking up|looked up|searched|googled|googling|researching) (?:how|ways) to (?:die|end it|end my "
        r"life)",
        "Making a plan or searching for a way to die.",
    ),
    Pattern(
        "en.suicide.goodbye",
        (SUICIDE,),
        r"(?:suicide|goodbye|farewell) (?:notes?|letters?)|(?:wrote|write|writing|written|left|leave|leaving) "
        r"(?:a |my )?(?:last|final) (?:notes?|letters?|messages?)|(?:this is|it'?s) my (?:last|final) "
        r"(?:goodbye|message|entry|post|check-?in)|giv(?:e|ing) away (?:all )?my (?:things|stuff|belongings|"
        r"possessions)|(?:put|putting|get|getting) my affairs in order|goodbye forever",
        "Saying goodbye, giving things away, putting affairs in order: NIMH warning signs.",
    ),
    Pattern(
        "en.suicide.not_wake_up",
        (SUICIDE,),
        r"(?:hope|pray|praying|wish) (?:that )?i (?:don'?t|never|do not|won'?t|wouldn'?t|didn'?t) wake up|"
        r"(?:go to sleep|fall asleep|sleep) and (?:never|not) wake up|(?:want to|wanna|wish i could) "
        r"(?:disappear (?:forever|for good|permanently)|not exist|stop existing|cease to exist|(?:go to )?sleep "
        r"forever|never wake up)",
        "Hoping not to wake up, wanting to stop existing: passive suicidal thinking.",
    ),
    # Suicide, Spanish (normalised: no accents, ñ is n)
    Pattern(
        "es.suicide.quiero_morir",
        (SUICIDE,),
        r"(?:(?:me|se) )?(?:quiero|quisiera|queria|querria|quiera|deseo|quiere) morir(?:me|se)?|(?:ganas|deseos) "
        r"de morir(?:me)?|(?:quiero|prefiero) (?:estar )?muert[oa]|prefiero morir(?:me)?|ojala (?:me muriera|me "
        r"muera|estuviera muert[oa]|no despertara|no hubiera nacido|no existiera)|(?:dormir|dormirme) y no "
        r"(?:volver a )?despertar(?:me)?|dormir para siempre",
        "Querer morir(se), ganas de morir, ojalá estuviera muerto/a.",
    ),
    Pattern(
        "es.suicide.matarme",
        (SUICIDE,),
        r"matarme|me voy a matar|me quiero matar|se quiere matar|quiere matarse|me mataria",
        "Matarme, me voy a matar, me mataría ('mi mamá me va a matar' and 'me mata el calor' are idioms).",
    ),
    Pattern(
        "es.suicide.quitarme_la_vida",
        (SUICIDE,),
        r"quitar(?:me|se|te) la vida|me quitaria la vida|se quito la vida|(?:acabar|terminar|termino|acabo) con "
        r"mi (?:propia )?vida|(?:poner|ponerle) fin a mi vida",
        "Quitarse la vida, acabar con mi vida.",
    ),
    Pattern(
        "es.suicide.no_quiero_vivir",
        (SUICIDE,),
        r"no (?:quiero|quisiera|deseo) (?:seguir )?(?:vivir|viviendo|estar viv[oa]|existir|despertar(?:me)?"
        r"(?= ?(?:$|[.!?,;:]| nunca| mas| manana| otra vez)))|no puedo (?:seguir )?vivir asi|(?:no tengo|sin|"
        r"perdi (?:las|mis)) ganas de (?:vivir|seguir viviendo)",
        "No querer vivir is positive even though it contains 'no'; 'no quiero vivir con mis papás' is an idiom.",
    ),
    Pattern(
        "es.suicide.acabar_con_todo",
        (SUICIDE,),
        r"(?:acabar|terminar) con todo|desaparecer para siempre",
        "Acabar con todo ('acabar con todo el trabajo' is an idiom).",
    ),
    Pattern(
        "es.suicide.mejor_muerto",
        (SUICIDE,),
        r"mejor muert[oa]s?|(?:estaria|estarian|estarias|estaran|seria|serian|estan) (?:todos )?mejor sin mi|"
        r"mejor si (?:yo )?no (?:existiera|estuviera|hubiera nacido)|nadie me (?:extranaria|echaria de menos|"
        r"va a extranar|notaria)",
        "Mejor muerto/a, estarían mejor sin mí: being a burden.",
    ),
    Pattern(
        "es.suicide.no_vale_la_pena",
        (SUICIDE,),
        r"no vale la pena (?:vivir|seguir viviendo|seguir viv[oa]|estar viv[oa])|(?:la|mi) vida no vale "
        r"(?:la pena|nada)|vivir no vale la pena|no (?:tengo|hay|tiene) (?:ninguna )?(?:razon|razones|motivo|"
        r"motivos|sentido|nada) (?:para|por (?:la|lo) (?:que|cual)) (?:vivir|seguir viviendo)|sin (?:razon|"
        r"razones|motivos?) para vivir|nada por (?:lo )?(?:que|cual) vivir|no tiene sentido (?:vivir|seguir "
        r"viviendo|mi vida)|(?:cansad[oa]|hart[oa]) de vivir|(?:la|mi) vida no tiene (?:ningun )?sentido|ya nada "
        r"tiene sentido|(?:soy|me siento) (?:solo |una )?(?:carga|estorbo)|no (?:hay|veo|encuentro) (?:ninguna )?"
        r"salida|me siento sin esperanza|(?:he perdido|perdi) (?:toda )?la esperanza",
        "No vale la pena vivir, no tengo razones para vivir: hopelessness.",
    ),
    Pattern(
        "es.suicide.no_puedo_mas",
        (SUICIDE,),
        rf"(?:no puedo|no aguanto|no soporto) mas(?= ?(?:$|[.!?,;:]| con (?:esto|esta vida|mi vida|todo)|"
        rf" esta vida| asi| vivir))|no puedo seguir(?: asi| viviendo|{_END})",
        "Ya no puedo más, no aguanto más: feeling trapped; broad on purpose, like 'I can't go on'.",
    ),
    Pattern(
        "es.suicide.self_harm",
        (SUICIDE,),
        r"hacerme dano|lastimarme|autolesion[a-z]*|cortarme (?:las venas|los brazos|las munecas|otra vez|de "
        r"nuevo)|(?:ganas|impulsos?) de cortarme|me (?:corto|corte) (?:otra vez|de nuevo|a proposito|los brazos"
        r"|las munecas)",
        "Hacerme daño, autolesión, cortarme ('cortarme el pelo' does not match).",
    ),
    Pattern(
        "es.suicide.method",
        (SUICIDE,),
        r"ahorcar(?:me|se)|(?:tirarme|aventarme|lanzarme|arrojarme|me tiraria|me aventaria|me lanzaria) "
        r"(?:de|desde|del|por|al|a) (?:(?:un|una|el|"
        r"la|los|las) )?(?:puente|edificio|techo|azotea|balcon|ventana|tren|metro|vias|precipicio)|pegarme un "
        r"tiro|dispararme",
        "Naming a method: ahorcarme, tirarme de un puente, pegarme un tiro.",
    ),
    Pattern(
        "es.suicide.despedida",
        (SUICIDE,),
        r"(?:cartas?|notas?|mensajes?) (?:de despedida|de suicidio)|(?:esta es|es) mi ultima (?:despedida|"
        r"entrada|nota|carta|mensaje)|(?:regalando|regalar|regale) (?:todas )?mis cosas|(?:me estoy "
        r"despidiendo|despedirme) de todos|adios para siempre|(?:dejar|dejando) (?:todo|mis cosas|mis asuntos) "
        r"en orden",
        "Carta de despedida, regalar mis cosas, dejar todo en orden.",
    ),
    # Overdose, both languages
    Pattern(
        "any.overdose.word",
        (OVERDOSE,),
        r"overdos[a-z]*|over-dos[a-z]*|sobredosis|od(?:'d|'ed|'ing|ing|ed)?|o\.d\.?(?:'?d)?",
        "Overdose, OD'd, sobredosis, about anyone and at any time: a friend's overdose last year still "
        "shows help (grief and use go together); 'overdosed on coffee' is an idiom.",
    ),
    Pattern(
        "any.overdose.on_purpose",
        _BOTH,
        r"(?:overdos[a-z]*|od) (?:on purpose|deliberately|intentionally)|sobredosis a proposito|pills to (?:end "
        r"it|die|kill myself|end my life|end everything|not wake up)|pastillas para (?:morir|matarme|acabar con "
        r"todo|no despertar|quitarme la vida|suicidarme)|(?:stockpil(?:e|ing|ed)|saving up|hoarding|juntando|"
        r"guardando|acumulando) (?:my |mis )?(?:pills|meds|medication|tablets|pastillas)|(?:swallow|swallowed|"
        r"take|took|down|downed) (?:a|the) whole bottle|(?:tomarme|tomar|tome) (?:el|un) frasco entero",
        "Overdose as a way to die: both kinds, so both help lines show (stockpiling pills is an NIMH sign).",
    ),
    Pattern(
        "any.overdose.all_at_once",
        (OVERDOSE,),
        r"(?:want to|wanna|going to|gonna|thinking (?:of|about)|urge to|tempted to) (?:use|using|take|taking|do|"
        r"doing|shoot|shooting|snort|snorting|smoke|smoking|swallow|swallowing) (?:it all|everything|all of it|"
        r"the whole (?:bag|bottle|batch|stash|script|thing|pack))|"
        r"(?:use|using|used|take|taking|took|do|doing|shoot|shooting|snort|smoke|swallow|swallowed) (?:it all|"
        r"everything|all of it|the whole (?:bag|bottle|batch|stash|script|pack)|all (?:of )?(?:my|the|his|her) "
        r"[a-z-]+) (?:at once|in one go|in one shot|at the same time)|(?:tomarme|tomar|usar|meterme|"
        r"inyectarme|consumir) (?:todo|todas (?:las|mis) "
        r"pastillas|toda la bolsa|todo el frasco|el frasco entero) (?:de (?:una|un) (?:vez|jalon|golpe)|"
        r"junt[oa]s)",
        "Wanting to use it all or take everything at once. 'I took all my meds' (taken as prescribed) does not match.",
    ),
    # Overdose, English
    Pattern(
        "en.overdose.too_much",
        (OVERDOSE,),
        rf"(?:took|taken|take|taking|used|using|shot|snorted|smoked|swallowed|injected) (?:way |far |a "
        rf"lot |a bit |a little )?too (?:much|many)(?! (?:of (?:my|his|her|their|your) )?(?:{_HARMLESS_EN}|"
        rf"{_NOT_A_DRUG_EN})(?![a-z]))|too "
        rf"(?:many|much) (?:of (?:my|his|her|the|their) )?(?:pills|tablets|meds|medication|xanax|bars|percs|"
        rf"percocets?|oxys?|oxycodone|painkillers|benzos|fent|fentanyl|dope|heroin|methadone|bupe|subs|"
        rf"suboxone|lean|hits|bumps|lines)",
        "Took too much, too many pills ('took too much time' and 'took too much on' are not).",
    ),
    Pattern(
        "en.overdose.not_breathing",
        (OVERDOSE,),
        r"(?:not|isn'?t|aren'?t|wasn'?t|stopped|stop|quit|barely|hardly|can'?t tell if (?:he|she|they)"
        r"(?:'?s|'?re| is| are)) breathing(?! through)|(?:no|can'?t find (?:a|his|her|their)) pulse|"
        r"breathing (?:is |has )?"
        r"(?:really |very |so |super )?(?:slow|slowed|shallow|weird|strange|funny)|(?:gurgling|choking) "
        r"(?:sounds?|noises?)|making (?:a )?(?:gurgling|choking) (?:sound|noise)s?|(?:(?:not sure|don'?t know) "
        r"(?:if|whether)|(?:don'?t|do not) think) "
        r"(?:he|she|they)(?:'?s|'?re| is| are) breathing",
        "Slowed or stopped breathing is part of the overdose triad (REFERENCE.md §6).",
        negatable=False,
    ),
    Pattern(
        "en.overdose.wont_wake",
        (OVERDOSE,),
        rf"{_CANT} (?:wake (?:him|her|them|(?:my|our|the) [a-z]+|(?!up(?![a-z]))[a-z]+ up)(?: up)?|get "
        rf"(?:him|her|them|(?:my|our|the) [a-z]+|(?!(?:me|myself|it)(?![a-z]))[a-z]+) to wake(?: up)?)|"
        rf"{_THIRD} (?:is |are )?(?:won'?t|wont|will not|isn'?t|is not|not|aren'?t|wouldn'?t|didn'?t) "
        rf"(?:wak(?:e|ing) up(?! until| till| before| in time| on time| early| for)|wak(?:e|ing)(?! me| us| you| up)|"
        rf"respond(?:ing)?(?:{_END}| to (?:anything|"
        rf"shaking|pain|touch|noise|narcan|naloxone|his name|her name|their name))|com(?:e|ing) to{_END})|"
        rf"unresponsive|(?:passed|blacked|nodded|nodding|passing) out (?:after|from|while) "
        rf"(?:using|shooting|taking|smoking|snorting|doing|drinking|a hit|a shot|the (?:pills|dope|fent|shot))|"
        rf"(?:passed|nodded) out (?:and|&) (?:won'?t|can'?t|isn'?t|is not|not)|collapsed after (?:using|"
        rf"shooting|taking|smoking|snorting)",
        "Someone who will not wake up or respond: unconsciousness is part of the overdose triad; third-party "
        "emergencies count.",
        negatable=False,
    ),
    Pattern(
        "en.overdose.blue",
        (OVERDOSE,),
        r"(?:blue|purple|gr[ae]y) (?:lips|fingertips|fingernails|nails)|(?:lips|face|skin|fingertips|nails) "
        r"(?:are |is |look |looks |went |turned |turning |going )(?:blue|purple|gr[ae]y)|turn(?:ed|ing) blue",
        "Blue or grey lips and fingertips: lack of oxygen in an overdose.",
        negatable=False,
    ),
    Pattern(
        "en.overdose.pinpoint",
        (OVERDOSE,),
        r"pinpoint pupils|pupils (?:are |look )?(?:like )?pinpoints?",
        "Pinpoint pupils are part of the overdose triad (REFERENCE.md §6).",
        negatable=False,
    ),
    Pattern(
        "en.overdose.fentanyl_in_it",
        (OVERDOSE,),
        r"(?:laced|cut|mixed) with (?:fent|fentanyl|xylazine|tranq|carfentanil)|(?:fent|fentanyl|carfentanil|"
        r"xylazine|tranq)(?: was| is| might be| might have been| must have been)? in (?:it|there|them|the "
        r"(?:dope|pills?|bag|batch|coke|stuff|powder|bars)|what (?:i|we|he|she|they) (?:took|used|bought|got|"
        r"did|smoked|snorted))",
        "Fentanyl in the supply: an overdose can follow within minutes (REFERENCE.md §6).",
    ),
    Pattern(
        "en.overdose.feel_like_dying",
        (OVERDOSE,),
        r"feel(?:s|ing)? like (?:i'?m|i am|i was|he'?s|she'?s|he is|she is) (?:dying|going to die|gonna die)|"
        r"(?:i|he|she) (?:think|thinks) (?:i'?m|i am|he'?s|she'?s|he is|she is) dying",
        "'I feel like I'm dying' after using (fentanyl, pills …); only when the text names a drug or using, "
        "otherwise it is flu or panic.",
        needs_drug_context=True,
    ),
    # Overdose, Spanish
    Pattern(
        "es.overdose.no_respira",
        (OVERDOSE,),
        r"(?:no|ya no|apenas|casi no) respira|dejo de respirar|no (?:esta|estaba) respirando|no (?:le )?"
        r"(?:encuentro|siento|tiene) (?:el )?pulso|respira (?:muy )?(?:lento|despacio|raro)|no se si (?:esta "
        r"respirando|respira)",
        "No respira, dejó de respirar: slowed or stopped breathing.",
        negatable=False,
    ),
    Pattern(
        "es.overdose.no_despierta",
        (OVERDOSE,),
        r"no (?:se )?despierta(?! temprano| a tiempo| hasta| antes)|no (?:lo|la|los|las|le) (?:puedo|podemos|"
        r"pude|pudimos|puedes) despertar|no puedo "
        r"despertar(?:lo|la|los|las|le)|no reacciona|(?:esta|estaba|quedo) inconsciente|perdio el conocimiento"
        r"|se (?:desmayo|desvanecio|colapso|quedo dormid[oa]) (?:despues de|tras|por|al) (?:usar|consumir|"
        r"meterse|inyectarse|fumar|tomar|drogarse|la droga|las pastillas)",
        "No despierta, no reacciona, inconsciente: unconsciousness.",
        negatable=False,
    ),
    Pattern(
        "es.overdose.labios_azules",
        (OVERDOSE,),
        r"(?:labios|unas|dedos) (?:azules|morad[oa]s|grises)|(?:labios|cara|piel|unas|dedos) (?:se )?(?:estan "
        r"|esta |se ponen |se pusieron |se puso |se estan poniendo |poniendose )(?:azul(?:es)?|morad[oa]s?)|"
        r"se (?:esta poniendo|puso|pone) (?:azul|morad[oa])",
        "Labios azules o morados: lack of oxygen.",
        negatable=False,
    ),
    Pattern(
        "es.overdose.demasiado",
        (OVERDOSE,),
        rf"(?:tome|tomo|use|uso|consumi|consumio|me meti|se metio|me inyecte|se inyecto|fume|fumo) "
        rf"(?:demasiad[oa]s?|mucho de mas|de mas|muchas pastillas|demasiadas pastillas)(?! (?:de )?"
        rf"(?:{_HARMLESS_ES})(?![a-z]))|(?:me|se|te) (?:paso|pase|pasaste) (?:de|con) (?:la )?dosis",
        "Tomé demasiado, me pasé de dosis ('tomé demasiado café' is not).",
    ),
    Pattern(
        "es.overdose.fentanilo",
        (OVERDOSE,),
        r"(?:cortad[oa]|mezclad[oa]) con fentanilo|(?:tenia|traia|tiene|trae|habia) fentanilo|fentanilo en (?:la|"
        r"el|las|los|eso|lo que)",
        "Fentanilo en la droga.",
    ),
    Pattern(
        "es.overdose.siento_que_me_muero",
        (OVERDOSE,),
        r"siento (?:que|como si) me (?:muero|estoy muriendo|fuera a morir|voy a morir)|creo que (?:me estoy "
        r"muriendo|se esta muriendo|se muere)",
        "Siento que me muero, after using; only with a drug named, like the English pattern.",
        needs_drug_context=True,
    ),
)

# --- Idioms: a pattern match that overlaps one of these is dropped -----------------------------------------

IDIOMS: tuple[Idiom, ...] = (
    Idiom(
        "en.idiom.overdosed_on_harmless",
        rf"(?:overdos[a-z]*|od(?:'d|'ing|ing|ed)?|o\.d\.?) on (?:the |too much |so much |some )?(?:{_HARMLESS_EN})"
        rf"(?![a-z])|(?:{_HARMLESS_EN}) overdose",
        "'Overdosed on coffee / Netflix / chocolate', 'sugar overdose': a figure of speech.",
    ),
    Idiom(
        "en.idiom.awareness_and_training",
        r"(?:overdose|suicide) (?:awareness|prevention|education|response|reversal) (?:day|event|training|class|"
        r"course|kits?|program|month|week|walk|workshop)s?",
        "Events and training ('overdose awareness day', 'suicide prevention training'); a call to a prevention "
        "line still counts.",
    ),
    Idiom(
        "en.idiom.i_am_not_breathing",
        r"(?:i'?m|i am|i was|i) (?:not|wasn'?t|was not|barely|hardly) breathing",
        "Whoever types is breathing: 'I'm not breathing right' is panic or exercise, not an overdose.",
    ),
    Idiom(
        "es.idiom.sobredosis_de_harmless",
        rf"sobredosis de (?:{_HARMLESS_ES})(?![a-z])",
        "'Sobredosis de café / series / amor'.",
    ),
    Idiom(
        "en.idiom.killing_myself_laughing",
        r"kill(?:s|ed|ing)? (?:myself|himself|herself|themselves) (?:laughing|working|at (?:work|the gym|"
        r"practice)|to (?:finish|get|make|meet|keep up|pay))",
        "'Killing myself laughing', 'killing myself at the gym / to finish this'.",
    ),
    Idiom(
        "en.idiom.die_of",
        r"(?:die|died|dies|dying) (?:laughing|of (?:embarrassment|laughter|boredom|cringe|cuteness|envy|"
        r"jealousy|hunger|thirst|heat|the heat|excitement|happiness)|from (?:embarrassment|laughter|boredom|"
        r"cringe|cuteness|the heat|heat|excitement))",
        "'I want to die of embarrassment', 'dying of boredom'.",
    ),
    Idiom(
        "en.idiom.shoot_myself_in_the_foot",
        r"shoot(?:ing)? myself in the foot",
        "Harming one's own interests.",
    ),
    Idiom(
        "en.idiom.suicide_squad",
        r"suicide (?:squad|doors?|lanes?|drills?|sprints?|runs?|bombers?|bombings?|attacks?|missions?)",
        "A film, a car door, a road lane, a running drill, the news.",
    ),
    Idiom(
        "en.idiom.take_my_life_back",
        r"(?:take|takes|taking|taken|took) (?:my|his|her|their) (?:own )?life (?:back|into|in (?:a|my|new)|"
        r"seriously|one day|day by day|step by step|a day at a time)",
        "Recovery language: 'taking my life back', 'taking my life one day at a time'.",
    ),
    Idiom(
        "en.idiom.live_somewhere",
        r"(?:want|wanna|wanted)(?: to)? live (?:in (?!this world|the world|pain|this pain|this body|fear)|near|"
        r"there|here|at|on|by|alone|together|close|far|under|abroad|with (?:him|her|them|you|roommates|"
        r"(?:my|his|her|their) (?:parents|mom|dad|mother|father|family|ex|partner|boyfriend|girlfriend|husband|"
        r"wife|roommates?|friends?|sister|brother|kids|grandparents|aunt|uncle)))",
        "Not wanting to live somewhere or with someone ('I don't want to live with my parents').",
    ),
    Idiom(
        "es.idiom.morir_de",
        r"(?:morir|morirme|morirse|muero|muere|muriendo|muert[oa]s?) (?:de|por) (?:la )?(?:risa|verguenza|"
        r"hambre|sueno|frio|calor|aburrimiento|amor|ganas|envidia|celos|cansancio|sed|miedo|nervios|emocion|"
        r"ternura|ver(?:te|la|lo|los|las)?|conocer(?:te|la|lo)?|saber)",
        "'Me muero de risa / de hambre', 'me quiero morir de vergüenza', 'muero por verte'.",
    ),
    Idiom(
        "es.idiom.alguien_va_a_matarme",
        r"(?:va|van|vas|iba|iban|ibas) a matarme|(?:(?:mi|mis|tu|tus|su|sus) [a-z]+|el|ella|ellos|ellas|usted|"
        r"ustedes) me mataria",
        "'Mi mamá va a matarme', 'mi jefe me mataría': someone else, a figure of speech.",
    ),
    Idiom(
        "es.idiom.matarme_trabajando",
        r"matar(?:me|se) (?:trabajando|estudiando|entrenando|corriendo|a trabajar|a estudiar|de risa|en el "
        r"(?:gym|gimnasio|trabajo))",
        "'Matarme trabajando / estudiando': working very hard.",
    ),
    Idiom(
        "es.idiom.acabar_con_todo_el_trabajo",
        r"(?:acabar|terminar) con todo (?:el|la|lo|los|las) (?:trabajo|tarea|tareas|pendientes?|comida|pastel|"
        r"proyecto)",
        "'Acabar con todo el trabajo': finishing a task.",
    ),
    Idiom(
        "es.idiom.vivir_en_un_lugar",
        r"vivir (?:en(?! este mundo| esta vida| el mundo| este dolor)|cerca|lejos|aqui|alli|ahi|alla|sol[oa]|"
        r"junt[oa]s|con (?:el|ella|ellos|ellas|(?:mis?|tus?|sus?) (?:papas|padres|mama|papa|madre|padre|familia|"
        r"ex|pareja|novio|novia|esposo|esposa|marido|mujer|hermanos?|hermanas?|hijos?|abuelos?|tios?|amigos?|"
        r"amigas?|companeros?)))(?![a-z])",
        "'No quiero vivir en esta ciudad / con mis papás'.",
    ),
)

# --- Negation -----------------------------------------------------------------------------------------------

# A match is negated when, walking back from its first word, we meet one of these before any word that is
# not in NEGATION_BRIDGES. English and Spanish both apply, always.
NEGATION_CUES = frozenset(
    {
        # English
        "not", "no", "never", "nor", "neither", "stopped",
        "don't", "dont", "doesn't", "doesnt", "didn't", "didnt", "won't", "wont", "wouldn't", "wouldnt",
        "isn't", "isnt", "aren't", "arent", "wasn't", "wasnt", "weren't", "werent", "can't", "cant", "cannot",
        "couldn't", "couldnt", "shouldn't", "shouldnt", "haven't", "havent", "hasn't", "hasnt", "hadn't",
        "hadnt", "ain't", "aint",
        # Spanish ("ya no" is "no"; "dejé de" is "deje")
        "nunca", "jamas", "tampoco", "ni", "ningun", "ninguna", "ninguno", "deje",
    }
)  # fmt: skip

# Short linking words a negation reaches across ("not going to", "no longer thinking of", "no pienso en").
# Deliberately small: "I", "if", "stop", "know", "ok", a comma or a full stop end the negation.
NEGATION_BRIDGES = frozenset(
    {
        # English
        "to", "want", "wants", "wanted", "wanna", "gonna", "going", "really", "actually", "honestly",
        "seriously", "even", "ever", "again", "anymore", "currently", "think", "thinking", "thought",
        "thoughts", "about", "of", "feel", "feeling", "felt", "like", "been", "be", "being", "have", "has",
        "had", "having", "any", "at", "all", "in", "way", "longer", "would", "will", "could", "should", "do",
        "does", "did", "try", "plan", "planning", "plans", "intend", "intending", "intention", "urge", "urges",
        "a", "the", "someone", "somebody", "person", "type", "kind", "who", "more",
        # Spanish ("a" is above)
        "de", "en", "que", "me", "te", "lo", "la", "voy", "va", "quiero", "quisiera", "pienso",
        "pensar", "pensando", "pensado", "pense", "he", "ha", "estoy", "estaba", "estar", "estaria", "tengo",
        "tenia", "tenido", "ganas", "intencion", "idea", "ideas", "pensamientos", "planes", "siento",
        "sentido", "senti", "soy", "es", "era", "seria", "mas", "ya", "realmente", "volveria", "volvere",
        "volver", "tan", "para", "puedo", "podria",
    }
)  # fmt: skip

_NEGATION_LOOKBACK_TOKENS = 7
_NEGATION_LOOKBACK_CHARS = 100

# --- Normalisation ------------------------------------------------------------------------------------------

_APOSTROPHES = frozenset("'’‘`´ʼ′")
_DASHES = frozenset("‐‑‒–—―−")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*|\S")


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower-case, accent-free text with one space between words, and for each of its characters the index of
    the character of `text` it came from."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in _APOSTROPHES:
            pieces = "'"
        elif ch in _DASHES:
            pieces = "-"
        else:
            pieces = unicodedata.normalize("NFKD", ch)
        for piece in pieces:
            for c in piece.lower():
                if unicodedata.combining(c) or unicodedata.category(c) == "Cf":
                    continue
                if c.isspace():
                    if not out or out[-1] == " ":
                        continue
                    c = " "
                out.append(c)
                where.append(i)
    return "".join(out), where


def _compile(regex: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9'])(?:{regex})(?![a-z0-9])")


_COMPILED = tuple((p, _compile(p.regex)) for p in PATTERNS)
_COMPILED_IDIOMS = tuple(_compile(i.regex) for i in IDIOMS)


# --- Assessment ---------------------------------------------------------------------------------------------


def _negated(norm: str, start: int) -> bool:
    before = norm[max(0, start - _NEGATION_LOOKBACK_CHARS) : start]
    for token in reversed(_TOKEN.findall(before)[-_NEGATION_LOOKBACK_TOKENS:]):
        if token in NEGATION_CUES:
            return True
        if token not in NEGATION_BRIDGES:
            return False
    return False


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def assess(text: str, language: str = "en") -> CrisisAssessment:
    """Which kinds of crisis `text` signals, and the person's own words that signal it.

    `language` ("en" or "es", or anything else) does not change the result: both languages' patterns and
    negation words always apply (rule companion.crisis.both_languages). It is accepted so callers pass what
    they know. Never raises for any string."""
    if not text or text.isspace():
        return CrisisAssessment(frozenset(), (), ())
    norm, where = _normalise(text)
    idioms = [m.span() for rx in _COMPILED_IDIOMS for m in rx.finditer(norm)]
    drugs_named: bool | None = None
    candidates: list[tuple[int, int, str, Pattern]] = []
    for pattern, rx in _COMPILED:
        for m in rx.finditer(norm):
            start, end = m.span()
            if _overlaps(start, end, idioms) or (pattern.negatable and _negated(norm, start)):
                continue
            if pattern.needs_drug_context:
                if drugs_named is None:
                    drugs_named = _DRUG_CONTEXT.search(norm) is not None
                if not drugs_named:
                    continue
            candidates.extend((start, end, kind, pattern) for kind in pattern.kinds)
    # Per kind, keep the longest of overlapping matches (then the earliest).
    candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
    kept: list[tuple[int, int, str, Pattern]] = []
    for start, end, kind, pattern in candidates:
        if not _overlaps(start, end, [(s, e) for s, e, k, _ in kept if k == kind]):
            kept.append((start, end, kind, pattern))
    kept.sort(key=lambda c: (c[0], KINDS.index(c[2])))
    matches = tuple(
        CrisisMatch(kind=kind, phrase=text[where[start] : where[end - 1] + 1], pattern=pattern.id)
        for start, end, kind, pattern in kept
    )
    return CrisisAssessment(
        kinds=frozenset(m.kind for m in matches),
        phrases=tuple(dict.fromkeys(m.phrase for m in matches)),
        matches=matches,
    )


RULE_INFO: tuple[RuleInfo, ...] = (
    RuleInfo(
        DETECTOR,
        "Text in a check-in note or journal entry is checked against a published table of English and Spanish "
        "phrases that signal risk of suicide or overdose; a match shows 988, 911, the overdose steps and the "
        "person's own support contacts at once. It is a phrase detector, not a clinical assessment, and it "
        "never blocks saving.",
        f"{len(PATTERNS)} patterns, always on",
        "NIMH warning signs of suicide [secondary]; REFERENCE.md §4 (self-harm item surfaces crisis resources), "
        "§6 (overdose triad, fentanyl), §12 (help lines); issue #7",
        "no",
    ),
    RuleInfo(
        NEGATION,
        "A phrase does not count when a negation (not, never, no longer, don't, no, nunca, jamás, ya no …) comes "
        "just before it in the same clause, joined only by short linking words (want to, going to, thinking "
        "about, pienso en). Any other word, a comma or a full stop ends the negation, so unsure cases still "
        "show help. 'I don't want to live' and 'no quiero vivir' are phrases in their own right and count.",
        "on",
        "issue #7 (negation handling)",
        "no",
    ),
    RuleInfo(
        IDIOMS_RULE,
        "Listed everyday idioms are not counted (killing myself laughing, overdosed on coffee, taking my life "
        "back, me muero de risa, mi mamá me va a matar); everything not listed errs toward showing help.",
        f"{len(IDIOMS)} idiom patterns",
        "issue #7 (idioms)",
        "no",
    ),
    RuleInfo(
        MENTIONS,
        "A mention counts whoever it is about and whenever it happened: someone else not breathing or not "
        "waking up, a friend's overdose last year, a death by suicide. Showing help lines costs little; "
        "missing an emergency does not.",
        "counts",
        "issue #7 (third-party overdose emergencies); err toward showing help",
        "no",
    ),
    RuleInfo(
        BOTH_LANGUAGES,
        "English and Spanish patterns and negation words apply to every text, whatever the person's language "
        "setting, because people switch languages; matching ignores case and accents.",
        "both languages",
        "issue #7 (English and Spanish)",
        "no",
    ),
)
