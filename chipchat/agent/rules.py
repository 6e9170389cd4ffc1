"""The high-precision routing rules: concepts a question names, as regular expressions, in priority order.

Each rule names what a designer asks *about* (slack, area, a reset value, an edit verb), not
the wording of particular questions. The order settles overlaps: a refusal before
everything; "undo"/"apply" before the verbs they contain; closing timing ("make it meet
4 ns") before reading it ("does it meet 4 ns?"); edits before questions; the structural
questions only when the design has the signal they name. Questions no rule covers go to
the example phrasings (:mod:`chipchat.agent.phrasings`). Patterns run on lower-cased English
text (after :mod:`chipchat.agent.glossary`).
"""

from __future__ import annotations

import re

P = re.compile

# -- what chipchat refuses, whatever else the question says --------------------------------
REFUSE: list[tuple[str, re.Pattern[str]]] = [
    ("destructive", P(r"\b(delete|erase|wipe|destroy|trash|nuke)\b.*\b(all|every|files?|rtl|designs?|folders?|"
                      r"director(y|ies)|repo|everything|sources?)\b|\brm\s+-\w*[rf]\w*\b|"
                      r"\b(all|every)\b.*\b(files?|rtl|designs?|sources?)\b.*\b(delete|erase|wipe|remove)\b|"
                      r"\bremove (all|every)\b.*\b(files?|rtl|sources?)\b|\bstarting (fresh|over)\b")),
    ("secrets", P(r"\.ssh\b|\bid_(rsa|ed25519|ecdsa)\b|\bprivate keys?\b|\bpasswords?\b|\bapi[ _-]?keys?\b|"
                  r"\bsecrets?\b|\bcredentials?\b|\benvironment variables?\b|\benv vars?\b|\baccess tokens?\b|"
                  r"/etc/(passwd|shadow)\b|\bcookies?\b")),
    ("injection", P(r"\bignore\b.*\b(instructions?|rules|prompt|guidelines)\b|\bsystem prompt\b|\bjailbreak\b|"
                    r"\bforget\b.*\b(rules|instructions)\b|\bhidden (instructions|prompt|rules)\b|"
                    r"\bdeveloper mode\b|\bpretend (you are|to be)\b|\bdisregard\b.*\binstructions\b")),
    ("outside", P(r"\b(send|forward|share|mail|e-?mail)\b.*\b(colleagues?|manager|boss|friends?|customers?)\b|"
                  r"\b(e-?mail|mail|text|message|notify|ping)\b.*\b(my|the|our)\s+(manager|boss|team|colleagues?|"
                  r"customer|lead)\b|\b(submit|send|ship|upload)\b.*\b(tsmc|foundry|fab|mosis|efabless|gds)\b|"
                  r"\bbook (a |the )?(meeting|room|flight|table|slot)\b|\b(order|purchase) (me )?(a|an|some)\b")),
]

# -- questions about the world, not the design: no tool of chipchat answers them -------------
OFF_TOPIC = P(
    r"\b(weather|forecast|champions league|world cup|football|soccer|election|stock price|share price|"
    r"meaning of life|recipe|horoscope|lottery|kubernetes|docker|pods?|cover letter|resume|cv|"
    r"job application|salary|joke|jokes|poem|poems|sonnet|haiku|limerick|lyrics|riddle|song|story|novel|"
    r"capital of|population of|translate|bitcoin|crypto|cook|cooking|pasta)\b|"
    r"\b(who won|who is the president|what time is it|what day is it)\b|"
    r"\bwrite (me )?(a|an|some)\b.*\b(python|javascript|web ?server|website|app|essay|letter|email|script|"
    r"program)\b|"
    r"\b(best|better|worse|worst|favou?rite|good)\b.*\b(fpga|language|book|vendor|laptop|editor|ide|company|"
    r"course|board)s?\b.*\b(buy|purchase|learn|use|read|for)?\b|"
    r"\b(verilog|vhdl|systemverilog|chisel)\b.*\bor\b.*\b(verilog|vhdl|systemverilog|chisel)\b.*\bbetter\b|"
    r"\brecommend\b.*\b(book|course|tutorial|laptop|fpga|board|paper)s?\b|"
    r"\b(buy|purchase)\b|\bhow much does\b.*\bcost\b|\bcosts? these days\b|\bprice of\b|"
    r"\b(legal|legally|lawful|licen[cs]e|licensing|patent|commercially|royalt(y|ies))\b|"
    r"\bguarantee\b|\bpromise me\b|\bcertify\b|\bzero bugs\b|"
    r"\b(yield|tape[- ]?outs?|taped out)\b|\bin production\b|\bin silicon\b|"
    r"\bwho (wrote|designed|made|created|authored)\b|\bwere they (any )?good\b|\bback in (19|20)\d\d\b|"
    r"\bwhat did the (designer|author)\b|\b(designer|author) intend\w*\b|"
    r"\b(apple|nvidia|intel|amd|qualcomm|arm's|samsung|tsmc)\b.*\b(transistors|stock|job|price|have)\b|"
    r"\bhow many transistors does (an? |the )?(apple|nvidia|intel|amd|m\d)\b")

# open-ended advice about the design: the closest passages, and an honest note that advice needs a model
ADVICE = P(r"\b(should i|should we|would you recommend|recommend|advice|advise|best way|better to|your opinion|"
           r"suggest(ion)?s?|what would you do)\b")
UNDO = P(r"\bundo\b|\brevert\b|\broll (it |that |this )?back\b|\brollback\b|\bput (it|that|this) back\b|"
         r"\btake (it|that|this) (out|back)\b|\brestore the (original|previous|old)\b|\bback out\b|"
         r"\bunapply\b|\brückgängig\b|\bgo back to (the )?(original|previous|old)\b")
APPLY = P(r"\bapply\b|\bapplique\b|\bship it\b|\bgo ahead\b|\b(yes|yep|yeah|sure|ok|okay)\b.*\bdo it\b|^do it\b|"
          r"\bwrite (it|this|that|the change|the diff|the proposal) (in)?to\b|\bcommit (it|this|that|the change)\b|"
          r"\bmerge (it|this|that|the proposal)\b|\baccept (it|this|that|the proposal|the change)\b")
NOT_APPLY = P(r"\b(does|do|would|will|can) (it|this|that|\w+) apply\b|\bapply to\b.*\?$")
PATCH_FILES = P(r"[\w./*?-]+\.(diff|patch)\b")
VERIFY = P(r"[\w./*?-]+\.(diff|patch)\b|\bpatch(es)?\b|\bcandidate (fixes|changes|diffs)\b|"
           r"\b(these|this|my|the two|two|three) diffs?\b")
TBGEN = P(r"\b(write|generate|create|make|derive|build|produce|auto-?generate|give me|écris)\b.*"
          r"\b(test ?bench(es)?|tb|cocotb)\b|\b(write|generate|create|derive|auto-?generate|produce)\b.*"
          r"\btests?\b.*\b(spec|doc|document|documentation|datasheet|from|based on)\b|"
          r"\btest ?bench from\b|\bno (tb|testbench)\b.*\b(make|write|create)\b")
MUTATE = P(r"\bmutat|\bmutants?\b|\bhow (good|strong|thorough|effective|useful|solid)\b.*\b(tests?|testbench|tb)\b|"
           r"\b(tests?|testbench|tb)\b.*\b(any good|catch|detect|notice|just pass everything|good enough)\b|\btest quality\b|"
           r"\binject(ed|ing)? (bugs|faults|errors)\b|"
           r"\bquality of (the |my )?tests\b|\b(tests?|testbench)\b.*\breally\b.*\b(good|strong)\b|"
           r"\bwould (the|my) tests\b|\bcoverage of (the|my) tests\b")
PERIOD = r"\d+(\.\d+)?\s*(ns|ps|mhz|ghz)\b"
CLOSE = P(r"\bclose (the )?timing\b|\btiming closure\b|\bclose (it )?at\b|"
          r"\b(make|get|push|force|bring|squeeze) (it|this|that|the \w+|\w+ design)\b.*\b(meet|pass|to|at|under|clean|"
          r"run at)\b.*" + PERIOD + "|"
          r"\b(make|get|push|bring)\b.*" + PERIOD + r".*\b(clean|pass|work|meet)\b|"
          r"\b(fix|repair|resolve|get rid of|eliminate|remove|clean up)\b.*\b(timing|slack|violations?|"
          r"setup|failing paths?)\b|\b(worst|failing|critical) path\b.*\b(fix|repair)\b|"
          r"\bi need (this|it) (at|to run at|to meet)\b.*" + PERIOD + r"|\bwhatever (it takes|changes)\b")
_POLITE = (r"^(?:(?:ok|okay|so|hey|hi|now|then|please|pls|plz|kindly|also|and|alright|great|right|cool|"
           r"can you|could you|would you|will you|can u|could u|pls can you|i want you to|i'd like you to|"
           r"i would like you to|let's|lets|go and|try to|make sure to|bitte)\W+)*")
EDIT_VERBS = (r"(add|insert|pipeline|retime|register|rename|widen|narrow|shrink|extend|increase|decrease|change|"
              r"replace|remove|drop|split|put|move|swap|convert|refactor|parametri[sz]e|update|modify|edit|invert|"
              r"double|halve|implement|rewrite|reduce|double-buffer|set \S+ to|"
              r"make \w+ (?:a |an )?(?:parameter|configurable|\d+|wider|narrower|registered|synchronous|"
              r"asynchronous|signed|unsigned))")
PROPOSE = P(_POLITE + EDIT_VERBS + r"\b|"
            r"\bmake\b.*\b(\d+ (bits?|stages?|deep|wide)|two[- ]stages?|\w+ stages?|pipelined|configurable|"
            r"parameteri[sz]ed|wider|narrower|synchronous|asynchronous|registered|by default|a parameter)\b|"
            r"\b(add|insert)\b.*\b(parity|output|input|port|register|flop|stage|reset|mode|flag|counter|signal|"
            r"parameter|enable)\b|\bcan you (add|pipeline|register|rename|widen|change|split|put|make)\b|"
            r"\bi (want|need|would like) (a|an|to add|to change|to rename)\b(?!.*\b(ns|mhz)\b)|"
            r"\brefactor\b|\bpropose\b|\bsplit\b.*\bstages?\b")
HEALTH = P(r"\b(anything|something|smth|what'?s?|stuff) (wrong|broken|off|bad|suspicious|fishy)\b|"
           r"\bfeels off\b|\bsanity[- ]check\b|\bhealth\b|\bcheck (it|this|the \w+|\w+) for\b|\busual problems\b|"
           r"\b(any )?(problems|issues|bugs)\b.*\b(design|rtl|fifo|uart|alu|mac|this|in here)\b|\bwhat problems\b|"
           r"\b(any|a|no|inferred|infers?|inferring|unintended|accidental|unwanted)\s+latch(es)?\b|"
           r"\blatches\b(?!\s+(the|a|an|its|their|data|byte|value|input|word))|"
           r"\blatch(es)? (inferred|anywhere|in (the|this|my))\b|\bcdc\b|\bclock[- ]domain|\bcross(ing)? clock|"
           r"\bclocks? domains?\b|\bcrossing\b.*\bclocks?\b|\bmetastab|"
           r"\b(no|without( a)?|missing( a)?|lack( a)?) (reset|rst)s?\b|\bnot reset\b|\bunreset\b|"
           r"\bmulti(ple|ply)?[- ]?driv|\b(two|several|\d+) drivers\b|\bmore than one driver\b|\bdriven (twice|more than once|from two)\b|\bundriven\b|\bunused (signals|"
           r"ports|wires|regs)\b|\bcomb(inational)? loops?\b|\bloops?\b.*\bcomb|\bbroken\b.*\bstructurally\b|"
           r"\bstructural(ly)? (problems|issues|check)\b|\bdesign (review|rule) check\b|\blint and\b")
PLACE = P(r"\bplacement\b|\bplaced\b|\bplacer\b|\bplace (it|the design|this|the \w+|\w+ at)\b|^place\b|"
          r"\bfloor ?plan|\blayout\b|\bon the (die|chip)\b|\bcongest|\butili[sz]ation\b|\bwire ?lengths?\b|"
          r"\bhow long are the wires\b|\bdie (size|area)\b|\bwhere (are|did) .* cells\b")
SIZE = P(r"\bhow (big|large|small|huge)\b|\barea\b|\bcell count\b|\bgate count\b|\bnumber of (cells|gates|flops)\b|"
         r"\bhow many (standard )?(cells|gates|flops|flip[- ]?flops|registers|regs|register bits|luts|nand2|"
         r"transistors|dffs?)\b|\bfootprint\b|\bsize of (the|this) (design|chip|block|module)\b|"
         r"\bregister bits\b|\bum\^?2\b|\bµm²?\b|\bsquare microns\b|\bmost of the (area|cells|logic)\b|"
         r"\bhow much (silicon|logic)\b|\bresource (usage|use|utili[sz]ation)\b")
COMPUTE = P(r"\bbauds?\b|\bcycles? per\b|\bhow many (clock )?cycles\b|\bhow long (does|will|would|do)\b.*\btake\b|"
            r"\blatency\b|\bthroughput\b|\b(max(imum)?|min(imum)?|largest|smallest|biggest|highest|lowest) "
            r"(possible )?(value|number|count|result|a\s*\*\s*b|product|sum)\b|\bmax value\b|"
            r"\bbefore\b.*\b(wraps?|overflows?|saturates?)\b|\bbits of storage\b|\bin hex\b|\bin binary\b|"
            r"\bwhat('s| is| are| would be) (y|the result|the output|\w+ and \w+)\b.*\bif\b|"
            r"\bif [a-z_]\w* ?= ?\d|\bwhen [a-z_]\w* ?= ?\d+|\bhow wide is \w+ when\b|\bbytes?/s\b|"
            r"\bbytes per second\b|\bbits per second\b|\bdo i need for\b|\b\d+ ?(k|m)?baud\b|"
            r"\bcompute\b|\bcalculate\b|\bwork out\b|\bin (us|µs|microseconds|ms|milliseconds)\b")
FEATURES = P(r"\bwhat (operations|ops|opcodes|instructions|commands|functions|modes|states|features|"
             r"options)\b|\bwhich (operations|ops|opcodes|instructions|commands|modes|states|functions)\b|"
             r"\blist (the |all )?(ops|operations|opcodes|instructions|modes|states|commands|functions)\b|"
             r"\b(does|can|will) (it|this|the \w+|this \w+) (do|support|have|handle|saturate|wrap|implement|"
             r"offer|perform|compute)\b|\bis there an? \w+ (option|mode|feature|setting|instruction|operation|opcode|command)\b|\bwhat framing\b|"
             r"\bsupports?\b|\bsupported\b|\bwhat does (op|opcode|mode|cmd|sel|func|funct)\s*=?\s*\d+ do\b|"
             r"\bwhat does \w+ ?= ?\w+ do\b|\bsaturate or wrap\b|\bwrap or saturate\b|\bcapabilit")
TIMING = P(r"\bslack\b|\bcritical path\b|\bwns\b|\btns\b|\bf ?max\b|\bmax(imum)? (clock )?freq|"
           r"\bmeets? (timing|\d)|\bmiss(es|ing)? timing\b|\btiming\b|"
           r"\b(worst|critical|failing|violating|slowest|longest|next)[- ](paths?|one)\b|"
           r"\b\d+(st|nd|rd|th) (worst|path|critical)\b|\b(second|third|fourth|fifth)[- ](worst|path)\b|"
           r"\bpath (#|no\.? ?)?\d+\b|\bhow fast\b|\bso slow\b|\bwhat (clock|frequency|period)\b|"
           r"\bclock (can|will|could) it\b|\bmarginal\b|\bdelay\b|\bsetup\b|\bhold (time|violation)|"
           r"\b\d+(\.\d+)? ?(mhz|ghz|ns)\b.*\b(ok|okay|work|fine|possible|achievable|feasible|enough|meet)\b|"
           r"\b(run|go|work|meet) at \d+(\.\d+)? ?(mhz|ghz|ns)\b")
SIM = P(r"\b(run|rerun|re-run|kick off|launch|start|execute|lance)\b.*\b(tests?|sims?|simulations?|regressions?|"
        r"test_\w+)\b|\btest_\w+\b|\bsimulat|\bregression\b|\btests? (pass|fail|still pass)|"
        r"\b(failing|passing|broken)\b.*\btests?\b|\btests?\b.*\b(pass|fail|failing|passing|broke|break)\b|"
        r"\bbreak anything\b|\brerun\b|\bwaveforms?\b")
LINT = P(r"\blint|\bverilator warnings?\b|\b(verilator|yosys|the linter|the compiler)\b.*\b(complain|warn|say|report|flag)|\bwarnings?\b|\bsyntax (problems|errors|issues)\b|\bstyle (issues|"
         r"problems|warnings)\b|\bwidth mismatch|\bcode clean\b|\bclean wrt\b|\bcompile (warnings|cleanly)\b")
# structural questions about one signal (the router checks that the design has it)
SHOW_STRONG = P(r"\btell me (about|everything)\b|\bdescribe\b|\beverything about\b|\ball about\b|\binfo(rmation)? (on|about)\b|"
                r"\bfull picture\b|\bdetails (of|on|about)\b|\bthe whole story\b")
RESET = P(r"\breset (value|state)\b|\bresets? to\b|\bafter (reset|rst)\b|\bout of reset\b|\binitial value\b|"
          r"\b(get|gets|is|are) (it |\w+ )?reset\b|\bon reset\b|\bduring reset\b|\bwhen (rst|reset|rst_n)\b|"
          r"\bvalue (after|on|at) reset\b|\bcleared (on|by|at)\b|\bin reset\b")
FANIN = P(r"\bfan-?in\b|\bcone\b|\bupstream\b|\bdepends? on\b|\b(what|which) (logic )?feeds\b(?! into)|"
          r"\blogic (that )?feeds\b|\bwhich inputs (can )?(affect|influence|reach)\b|\baffects?\b|"
          r"\btrace\b.*\bback\b|\bin front of\b|\bback (to|towards) the inputs\b")
LOADS = P(r"\bfeeds? into\b|\bfan-?out\b|\bloads?\b|\b(who|what|which \w+) (reads?|uses?|consumes?|samples?)\b|"
          r"\b(reads|consumes)\b|\bused\b|\busing\b|\blooks? at\b|\bwhat does \S+ drive\b|\bdownstream\b|"
          r"\bgoes? to\b|\bdestinations?\b|\breaders?\b")
ASSIGNED = P(r"\bassign(ed|s|ment|ments)?\b|\bwritten\b|\bupdated?\b|\bgets? (a new value|updated|written|set)\b|"
             r"\bwhere('s| is| are| does)?\b.*\bset\b|\bline numbers?\b|\bwhich (lines?|always block)\b")
DRIVERS = P(r"\bdriv(es|e|ing|er|ers|en)\b|\bcom(e|es|ing) from\b|\bsource of\b|\bsets\b|\bsetting\b|"
            r"\bresponsible for\b|\bgenerated\b|"
            r"\bcomputed\b|\bproduced\b|\bflop or comb\b|\bwhere does \S+ come\b|\boriginates?\b")
SHOW = P(r"\bwhat('s| is| are)\b|\bshow\b|\bexplain\b|\bdescribe\b|\binfo\b|\bdetails?\b|\bwhats\b")
PORTS = P(r"\bports?\b|\bpin ?out\b|\bpins\b|\binterface\b|\binputs and outputs\b|\binputs? (and|&) outputs?\b|"
          r"\bi/?os\b|\bhook up\b|\bwire it up\b|\bconnect to it\b|\bsignals? (at|on) the boundary\b")
PARAMETERS = P(r"\bparam(eter)?s?\b|\bgenerics?\b|\blocalparams?\b|\bconfigurable\b|\bhard ?coded\b|\boverride\b|"
               r"\bdefault (value|width|depth|setting)s?\b|\bthe default\b")
HIERARCHY = P(r"\bhierarch|\binstance tree\b|\binstan(ces|tiates?|tiated|tiation)\b|\bsub-?modules?\b|"
              r"\bsub-?blocks?\b|\bflat\b|\bsplit into modules\b|\bunder it\b|\bwhat('s| is) under\b|"
              r"\bwhich modules\b|\bchild modules\b")
SUMMARY = P(r"\bsummar|\boverview\b|\bdescribe\b|\bwhat (does|do) (this|the|it)\b.*\bdo\b|\bwhat does it do\b|"
            r"\bwhat (is|'s) this (thing|design|module|block|ip|core)\b|\bwhat (is|'s) (it|this) for\b|"
            r"\bexplain (the |this )?(design|module|block)\b|\beli5\b|\btl;?dr\b|\bwalk me through\b|"
            r"\bhigh[- ]level\b|\bin a few (sentences|words)\b|\bwhat does (this|the) (design|module|block)\b|"
            r"\bthis module is what\b|\bpurpose of\b")
# "where is X handled / ignored / compared": a place in the code, even when X is also a signal's name
SEARCH_STRONG = P(r"^\W*(where|find|locate|point me)\b.*\b(handled|ignored|dropped|checked|compared|decoded|wrapped|"
                  r"done|happens?|implemented|treated|masked|gated)\b")
SEARCH = P(r"\bwhere\b|\bfind\b|\bpoint me\b|\bwhich file\b|\blocate\b|\bthe code (that|which|where)\b|"
           r"\bhandled\b|\bshow me (where|the code|the part)\b|\bgrep\b|\blook for\b|\bsearch\b")
# follow-ups: a short turn that leans on the previous one
FOLLOW_UP = P(r"^\s*(and|what about|how about|same for|and for|now|also|then|ok|okay|so)\b|^\s*why\b|"
              r"\b(it|that|this|that one|this one|the one|second one|next one|same)\b")
FIX = P(r"\b(fix|repair|sort out|resolve) (it|that|this)\b|\bmake (it|that|this) (pass|work|meet|faster)\b|"
        r"\bmake it pass\b|\bdo that\b")
PRONOUN = P(r"\b(it|that|this|that one|this one|the same)\b")
