"""The campaign's content, as plain data for the seed command.

Every row has a stable `key`: the seed creates the rows that are missing and brings rows
nobody edited up to date with this file (see seed.py), so a key must never be renamed once
it has been published. Organizers edit text in the admin afterwards; their edits stay.

The text is our own, written from the sources below and the checked facts in
source-material/facts-checked.md. Where the article we started from slipped, we follow its
primary sources: Mangystau is in western Kazakhstan, and the protests began on 2 January
2022. Every figure says whose it is and as of when. A source's `title` is the publisher's
own, word for word; where we could not check a title, `title` is empty and `description`
says what the document is. A URL is given only where we could check it. Quotations are
word for word from their `excerpt` (a test holds every one to it), never cut where the cut
changes the meaning.
"""

from datetime import date

# When the case text was last checked against the sources (shown on the home page).
REVIEWED_ON = date(2026, 12, 4)

SOURCES = [
    {
        "key": "amnesty-2022-01",
        "title": "Kazakhstan: Widespread violation of basic rights spurred unprecedented protests",
        "description": "",
        "kind": "Statement",
        "publisher": "Amnesty International",
        "url": "https://www.amnesty.org/en/latest/news/2022/01/repression-kazakhstan-basic-rights-spurred-protests/",
        "published_label": "5 January 2022",
        "published_on": date(2022, 1, 5),
        "note": (
            "Amnesty International's statement, with Marie Struthers, its Director for Eastern Europe and Central "
            "Asia: the state of emergency, internet restrictions and at least 200 arrests reported by then, the "
            "2011 Zhanaozen killings, years of repression, and its call to release everyone arbitrarily detained "
            "and to give fair trials to anyone accused of a recognised crime."
        ),
    },
    {
        "key": "europarl-resolution-2022-01-20",
        "title": "European Parliament resolution of 20 January 2022 on the situation in Kazakhstan (2022/2505(RSP))",
        "description": "",
        "kind": "Adopted text P9_TA(2022)0012",
        "publisher": "European Parliament",
        "url": "https://www.europarl.europa.eu/doceo/document/TA-9-2022-0012_EN.html",
        "published_label": "20 January 2022",
        "published_on": date(2022, 1, 20),
        "note": (
            "The resolution itself, adopted by 589 votes to 35 with 47 abstentions. It urges the authorities of "
            "Kazakhstan to release arbitrarily detained demonstrators and activists immediately, and calls on the "
            "EU and the international community to support a proper international investigation."
        ),
    },
    {
        "key": "europarl-2022-01-20",
        "title": "Human rights breaches in Hong Kong, Kazakhstan and Sudan",
        "description": "",
        "kind": "Press release",
        "publisher": "European Parliament",
        "url": (
            "https://www.europarl.europa.eu/news/hr/press-room/20220114IPR21026/"
            "human-rights-breaches-in-hong-kong-kazakhstan-and-sudan"
        ),
        "published_label": "20 January 2022",
        "published_on": date(2022, 1, 20),
        "note": (
            "The European Parliament's press release on three resolutions adopted that day, on Hong Kong, "
            "Kazakhstan and Sudan. Its section on Kazakhstan summarises the resolution. (This address is the one "
            "the article we started from cites.)"
        ),
    },
    {
        "key": "france24-2022-01-06",
        "title": "",
        "description": "News report on the deadly unrest in Kazakhstan",
        "kind": "News report",
        "publisher": "France 24",
        "url": "https://www.france24.com/en/live-news/20220106-security-forces-kill-dozens-in-kazakhstan-unrest",
        "published_label": "6 January 2022",
        "published_on": date(2022, 1, 6),
        "note": "Reports that security forces had killed dozens of people in the unrest by 6 January 2022.",
    },
    {
        "key": "arabnews-2022-01",
        "title": "",
        "description": "News report on protesters storming government buildings in Almaty",
        "kind": "News report",
        "publisher": "Arab News",
        "url": "https://www.arabnews.com/node/1999116/world",
        "published_label": "January 2022",
        "published_on": None,
        "note": "Reports that protesters stormed several buildings in Almaty, including the mayor's office.",
    },
    {
        "key": "abdel-aziz-2022",
        "title": "Kazakhstan: Widespread violation of basic rights spurred unprecedented protests",
        "description": "",
        "kind": "Article",
        "publisher": "Mariah Abdel-Aziz, eunacr.com",
        "url": (
            "https://eunacr.com/2022/02/02/"
            "kazakhstan-widespread-violation-of-basic-rights-spurred-unprecedented-protests/"
        ),
        "published_label": "2 February 2022",
        "published_on": date(2022, 2, 2),
        "note": (
            "The article this campaign started from: the LPG price rise, the government's resignation, the "
            "nationwide state of emergency, communication shutdowns and the first official casualty figures. It "
            "places Mangystau in the southeast once; the region is in western Kazakhstan."
        ),
    },
    {
        "key": "interior-ministry-2022-01-11",
        "title": "",
        "description": "Statement that almost 10,000 people had been detained, as reported by RFE/RL and AP",
        "kind": "Official statement",
        "publisher": "Ministry of Internal Affairs of Kazakhstan",
        "url": "",
        "published_label": "11 January 2022",
        "published_on": date(2022, 1, 11),
        "note": (
            "The Interior Ministry's count of people detained in connection with the unrest, reported widely on "
            "11 January 2022 (officials later gave “over 9,900”)."
        ),
    },
    {
        "key": "interfax-2022-03-14",
        "title": "",
        "description": "Report on the Prosecutor General's figures to the Mazhilis, the lower house of parliament",
        "kind": "News report",
        "publisher": "Interfax",
        "url": "",
        "published_label": "14 March 2022",
        "published_on": date(2022, 3, 14),
        "note": (
            "3,770 criminal cases by 14 March 2022, 46 of them for terrorism; 234 cases of torture under "
            "investigation by the Anti-Corruption Service; an official death toll of 230 at that date."
        ),
    },
    {
        "key": "prosecutor-general-2022-08",
        "title": "",
        "description": "Official death toll of the January 2022 events",
        "kind": "Official statement",
        "publisher": "Prosecutor General's Office of Kazakhstan",
        "url": "",
        "published_label": "August 2022",
        "published_on": None,
        "note": (
            "238 dead, including 19 members of the security forces; the office admitted that some deaths were "
            "caused by excessive force."
        ),
    },
    {
        "key": "rferl-2022-10-27",
        "title": "Kazakh Parliament Approves Mass Amnesty For Participants In January Protests",
        "description": "",
        "kind": "News report",
        "publisher": "Radio Free Europe/Radio Liberty (RFE/RL)",
        "url": "https://www.rferl.org/amp/kazakhstan-mass-amnesty-january-protests/32104161.html",
        "published_label": "27 October 2022",
        "published_on": date(2022, 10, 27),
        "note": "The amnesty bill approved by the Senate: whom it covers, and whom it excludes.",
    },
    {
        "key": "rferl-2022-11-02",
        "title": "Kazakh President Grants Mass Amnesty Over January Unrest, Including Security Forces",
        "description": "",
        "kind": "News report",
        "publisher": "Radio Free Europe/Radio Liberty (RFE/RL)",
        "url": "https://www.rferl.org/amp/kazakhstan-january-unrest-mass-amnesty-toqaev/32112339.html",
        "published_label": "2 November 2022",
        "published_on": date(2022, 11, 2),
        "note": (
            "President Tokayev signs the amnesty of 2 November 2022: more than 1,500 people charged over 4–7 "
            "January, and members of the security forces; the official toll of at least 238 dead."
        ),
    },
]

CAMPAIGN = {
    "slug": "kazakhstan-january-2022",
    "title": (
        "Release those arbitrarily detained after Kazakhstan's January 2022 protests, and give everyone charged "
        "a fair trial"
    ),
    "lede": (
        "In January 2022, protests over a fuel price rise spread across Kazakhstan. The authorities answered "
        "with force and a nationwide state of emergency. By 11 January 2022, the Interior Ministry said, almost "
        "10,000 people had been detained; by the official count of August 2022, 238 people died. With Amnesty "
        "International and the European Parliament, we ask for the release of everyone arbitrarily detained and "
        "a fair trial for anyone charged with a recognised crime."
    ),
    "what_happened": (
        "On 1 January 2022 the price of liquefied petroleum gas (LPG) went up in Kazakhstan. Many people in the "
        "west of the country use LPG to fuel their cars. On 2 January people in the Mangystau Region, in "
        "western Kazakhstan, took to the streets. They said the rise was unfair in a country that exports oil "
        "and gas and has vast energy reserves."
        "\n\n"
        "Within days the protests spread to other major cities, including Almaty, the largest. Thousands of "
        "people took part. Anger over fuel prices turned into protest against the government, much of it aimed "
        "at Nursultan Nazarbayev, who ruled Kazakhstan from 1989 until 2019 and chose Kassym-Jomart Tokayev as "
        "his successor. Many protesters chanted “Old Man Out!”."
        "\n\n"
        "The authorities declared a state of emergency in Mangystau, Almaty and some other cities on 4 and 5 "
        "January. Some protests turned violent. On 5 January protesters were reported to have stormed "
        "government buildings in Almaty, including the mayor's office. Police fired tear gas and stun "
        "grenades, and President Tokayev said on television that he planned “to act as toughly as possible”. "
        "The same day the government resigned, and the state of emergency was extended to the whole country "
        "until 19 January, with an overnight curfew, limits on movement and a ban on mass gatherings."
        "\n\n"
        "In those days mobile phone signals were disrupted, messaging apps were blocked and the internet was "
        "shut down for hours at a time, so it was hard to know what was happening. On 5 January 2022 police "
        "said they had arrested at least 200 protesters (as reported by Amnesty International that day), and "
        "the Interior Ministry, quoted by local media, said that by late that day at least eight law "
        "enforcement officers had been killed and 317 wounded. On 6 January France 24 reported that security forces had killed dozens of "
        "people. Late on 5 January President Tokayev asked the Collective Security Treaty Organization (CSTO) "
        "for help: its members are Russia, Armenia, Belarus, Kazakhstan, Kyrgyzstan and Tajikistan. Its troops "
        "deployed on 6 January and began to withdraw on 13 January 2022. The President portrayed the "
        "protesters in general as “terrorists”."
        "\n\n"
        "The arrests went far beyond the first days. On 11 January 2022 the Interior Ministry said almost "
        "10,000 people had been detained. In August 2022 the Prosecutor General's Office put the death toll at "
        "238, including 19 members of the security forces, and admitted that some deaths were caused by "
        "excessive force. The figures, and what has happened since, are set out with their sources under "
        "“Where things stand”."
    ),
    "why_it_matters": (
        "Peaceful protest is a human right. Kazakhstan's commitments under international law and its own "
        "constitution protect the right to peaceful assembly. Yet as of January 2022, protests held without "
        "official permission were illegal there, even after a 2020 law eased some limits on freedom of assembly."
        "\n\n"
        "Amnesty International says the unrest grew out of years of repression. The authorities have banned "
        "peaceful protests and opposition political parties. Peaceful protest leaders, human rights defenders, "
        "bloggers and others have been imprisoned after unfair trials. In 2011, at least 14 protesters were "
        "killed when police cracked down on a demonstration in Zhanaozen, in the same western region where the "
        "January 2022 protests began."
        "\n\n"
        "Calling protesters “terrorists” put everyone who took to the streets at risk of grave charges. The "
        "European Parliament asked the authorities not to bring terrorism charges on the basis of overly broad "
        "interpretations of the term, and to tell peaceful protesters apart from people who used violence and "
        "committed crimes. Anyone accused of a recognised crime should get a fair trial. Nobody should be held "
        "for protesting peacefully."
        "\n\n"
        "The amnesty of November 2022 did not cover anyone convicted of terrorism, extremism, treason, "
        "corruption or organising mass disorder, and for grave crimes it shortened sentences rather than "
        "ending them. We do not have a verified list of who is still held today, and we will not guess: when "
        "we can source it, we publish it, dated, under “Where things stand”. Kazakhstan rarely makes "
        "international headlines, and people held after January 2022 can easily be forgotten. Public "
        "pressure, alongside Amnesty International and the European Parliament, shows the authorities that "
        "the world is watching how they are treated."
    ),
    "call_to_action": (
        "Add your name to our petition to the authorities of Kazakhstan. Ask them to release everyone "
        "arbitrarily detained, to give anyone charged a fair trial, and to hold to account any official "
        "responsible for abuses. It takes less than a minute."
    ),
    "share_text": (
        "Amnesty International and the European Parliament call for the release of those arbitrarily detained "
        "after Kazakhstan's January 2022 protests, and fair trials for anyone charged. Add your name."
    ),
    "reviewed_on": REVIEWED_ON,
    "source_keys": [
        "amnesty-2022-01",
        "europarl-resolution-2022-01-20",
        "europarl-2022-01-20",
        "france24-2022-01-06",
        "arabnews-2022-01",
        "abdel-aziz-2022",
        "interior-ministry-2022-01-11",
        "interfax-2022-03-14",
        "prosecutor-general-2022-08",
        "rferl-2022-10-27",
        "rferl-2022-11-02",
    ],
}

TIMELINE = [
    {
        "key": "zhanaozen-2011",
        "date": date(2011, 12, 16),
        "date_label": "2011",
        "title": "Protesters killed in Zhanaozen",
        "body": (
            "Police crack down on a demonstration in Zhanaozen, in the Mangystau Region, and at least 14 "
            "protesters are killed."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "lpg-price-rise",
        "date": date(2022, 1, 1),
        "date_label": "1 January 2022",
        "title": "Fuel prices rise",
        "body": (
            "The price of liquefied petroleum gas (LPG) goes up at the New Year. Many people in western "
            "Kazakhstan use it to fuel their cars."
        ),
        "source": "abdel-aziz-2022",
    },
    {
        "key": "protests-begin",
        "date": date(2022, 1, 2),
        "date_label": "2 January 2022",
        "title": "Protests begin in western Kazakhstan",
        "body": (
            "Protests against the price rise begin in the Mangystau Region, in western Kazakhstan. They spread "
            "to several other major cities, including Almaty, the largest."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "regional-emergency",
        "date": date(2022, 1, 4),
        "date_label": "4–5 January 2022",
        "title": "State of emergency declared",
        "body": (
            "The authorities declare a state of emergency in the Mangystau Region, Almaty and some other cities. "
            "They reportedly restrict the internet and social media, and warn all media against “violating” "
            "Kazakhstan's unduly restrictive media law."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "almaty-buildings-stormed",
        "date": date(2022, 1, 5),
        "date_label": "5 January 2022",
        "title": "Government buildings stormed in Almaty",
        "body": (
            "Protesters are reported to have stormed several government buildings in Almaty, including the "
            "mayor's office."
        ),
        "source": "arabnews-2022-01",
    },
    {
        "key": "arrests",
        "date": date(2022, 1, 5),
        "date_label": "5 January 2022",
        "title": "Tear gas, and the first 200 arrests",
        "body": (
            "Police fire tear gas and stun grenades at protesters. President Tokayev says on television that he "
            "plans “to act as toughly as possible”. Police say that so far they have arrested at least 200 "
            "protesters and that dozens of officers have been injured."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "nationwide-emergency",
        "date": date(2022, 1, 5),
        "date_label": "5 January 2022",
        "title": "Government resigns; emergency extended nationwide",
        "body": (
            "President Tokayev announces the resignation of the government of Prime Minister Askar Mamin, but "
            "protests continue. The state of emergency is extended to the whole country until 19 January, with "
            "an overnight curfew, limits on movement and a ban on mass gatherings. Phone signals are disrupted, "
            "messaging apps blocked and the internet shut down for hours. By late that day the interior ministry "
            "reports at least eight law enforcement officers killed and 317 wounded."
        ),
        "source": "abdel-aziz-2022",
    },
    {
        "key": "deaths-and-csto-troops",
        "date": date(2022, 1, 6),
        "date_label": "6 January 2022",
        "title": "Dozens killed; CSTO troops arrive",
        "body": (
            "Security forces are reported to have killed dozens of people. Troops of the Collective Security "
            "Treaty Organization (CSTO), whose members are Russia, Armenia, Belarus, Kazakhstan, Kyrgyzstan and "
            "Tajikistan, deploy at the request that President Tokayev made late on 5 January."
        ),
        "source": "france24-2022-01-06",
    },
    {
        "key": "detentions-almost-10000",
        "date": date(2022, 1, 11),
        "date_label": "11 January 2022",
        "title": "Almost 10,000 detained",
        "body": "The Interior Ministry says almost 10,000 people have been detained in connection with the unrest.",
        "source": "interior-ministry-2022-01-11",
    },
    {
        "key": "europarl-resolution",
        "date": date(2022, 1, 20),
        "date_label": "20 January 2022",
        "title": "European Parliament calls for release",
        "body": (
            "The European Parliament adopts a resolution on the situation in Kazakhstan, by 589 votes to 35 with "
            "47 abstentions. It urges the authorities to release arbitrarily detained demonstrators and activists "
            "immediately, and calls on the EU and the international community to support a proper international "
            "investigation into the crimes committed against the people of Kazakhstan."
        ),
        "source": "europarl-resolution-2022-01-20",
    },
    {
        "key": "criminal-cases-2022-03",
        "date": date(2022, 3, 14),
        "date_label": "14 March 2022",
        "title": "3,770 criminal cases",
        "body": (
            "The Prosecutor General tells the Mazhilis, the lower house of parliament, that 3,770 criminal cases "
            "have been opened, 46 of them for terrorism, and that the Anti-Corruption Service is investigating "
            "234 cases of torture. The official death toll stands at 230."
        ),
        "source": "interfax-2022-03-14",
    },
    {
        "key": "death-toll-238",
        "date": date(2022, 8, 1),
        "date_label": "August 2022",
        "title": "Official death toll: 238",
        "body": (
            "The Prosecutor General's Office puts the death toll at 238, including 19 members of the security "
            "forces, and admits that some deaths were caused by excessive force."
        ),
        "source": "prosecutor-general-2022-08",
    },
    {
        "key": "amnesty-announced",
        "date": date(2022, 9, 1),
        "date_label": "1 September 2022",
        "title": "An amnesty is announced",
        "body": "President Tokayev announces a one-time amnesty for people charged over the January events.",
        "source": "rferl-2022-10-27",
    },
    {
        "key": "amnesty-signed",
        "date": date(2022, 11, 2),
        "date_label": "2 November 2022",
        "title": "The amnesty is signed, with exclusions",
        "body": (
            "President Tokayev signs the amnesty. It covers more than 1,500 people charged over 4–7 January, and "
            "members of the security forces. It excludes anyone convicted of terrorism, extremism, treason, "
            "corruption or organising mass disorder."
        ),
        "source": "rferl-2022-11-02",
    },
]

UPDATES = [
    {
        "key": "detentions-2022-01",
        "title": "Almost 10,000 people detained",
        "as_of": date(2022, 1, 11),
        "body": (
            "On 11 January 2022 Kazakhstan's Interior Ministry said almost 10,000 people had been detained in "
            "connection with the unrest; officials later gave a figure of more than 9,900. The “at least 200” "
            "arrests police reported on 5 January described only the first days."
        ),
        "source_keys": ["interior-ministry-2022-01-11", "amnesty-2022-01"],
        "is_published": True,
    },
    {
        "key": "criminal-cases-2022-03",
        "title": "3,770 criminal cases, 234 torture cases under investigation",
        "as_of": date(2022, 3, 14),
        "body": (
            "By 14 March 2022, according to the Prosecutor General speaking to the Mazhilis (the lower house of "
            "parliament), 3,770 criminal cases had been opened over the January events, 46 of them for "
            "terrorism, and the Anti-Corruption Service was investigating 234 cases of torture."
        ),
        "source_keys": ["interfax-2022-03-14"],
        "is_published": True,
    },
    {
        "key": "death-toll-2022",
        "title": "Official death toll: 238",
        "as_of": date(2022, 11, 2),
        "body": (
            "In August 2022 the Prosecutor General's Office put the death toll at 238, including 19 members of "
            "the security forces, and admitted that some deaths were caused by excessive force. Earlier official "
            "counts were 225 in mid-January and 230 on 14 March 2022. The figure of at least 238 dead still "
            "stood when the amnesty was signed on 2 November 2022."
        ),
        "source_keys": ["prosecutor-general-2022-08", "interfax-2022-03-14", "rferl-2022-11-02"],
        "is_published": True,
    },
    {
        "key": "amnesty-2022-11",
        "title": "The 2022 amnesty: whom it covered, whom it left out",
        "as_of": date(2022, 11, 2),
        "body": (
            "President Tokayev announced a one-time amnesty on 1 September 2022 and signed it on 2 November "
            "2022. It covered more than 1,500 people charged over the events of 4–7 January: charges for minor "
            "offences were dropped, and sentences for grave crimes were cut by half or by three quarters. It "
            "also covered members of the security forces. It excluded anyone convicted of terrorism, extremism, "
            "treason, corruption or organising mass disorder."
            "\n\n"
            "We have no verified count of how many people remain in prison after the amnesty. We will publish "
            "one here, with its date and source, when we can."
        ),
        "source_keys": ["rferl-2022-10-27", "rferl-2022-11-02"],
        "is_published": True,
    },
]

_STRUTHERS = "Marie Struthers"
_STRUTHERS_ROLE = "Amnesty International's Director for Eastern Europe and Central Asia"
_EP_PRESS = "press release of 20 January 2022 on its resolution on Kazakhstan"

QUOTES = [
    {
        "key": "struthers-repression",
        "speaker": _STRUTHERS,
        "role": _STRUTHERS_ROLE,
        "text": (
            "The protests unfolding in Kazakhstan, which have turned violent, are a direct consequence of the "
            "authorities’ widespread repression of basic human rights. For years, the government has "
            "relentlessly persecuted peaceful dissent, leaving the Kazakhstani people in a state of agitation "
            "and despair."
        ),
        "excerpt": (
            "The protests unfolding in Kazakhstan, which have turned violent, are a direct consequence of the "
            "authorities’ widespread repression of basic human rights. For years, the government has "
            "relentlessly persecuted peaceful dissent, leaving the Kazakhstani people in a state of agitation "
            "and despair."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "struthers-resolve-peacefully",
        "speaker": _STRUTHERS,
        "role": _STRUTHERS_ROLE,
        # In full: the release demand is the point of the sentence and must never be cut out.
        "text": (
            "Instead of threatening to crack down on protesters, the Kazakhstani authorities must resolve the "
            "situation peacefully by immediately and unconditionally releasing all those who have been "
            "arbitrarily detained and addressing past abuses committed by the state. Protesters accused of "
            "internationally recognized crimes for violent actions should be provided with fair trials in "
            "accordance with international human rights law."
        ),
        "excerpt": (
            "Instead of threatening to crack down on protesters, the Kazakhstani authorities must resolve the "
            "situation peacefully by immediately and unconditionally releasing all those who have been "
            "arbitrarily detained and addressing past abuses committed by the state. Protesters accused of "
            "internationally recognized crimes for violent actions should be provided with fair trials in "
            "accordance with international human rights law."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "struthers-obligations",
        "speaker": _STRUTHERS,
        "role": _STRUTHERS_ROLE,
        "text": (
            "Kazakhstan’s commitments under international law and its own constitution enshrine the right to "
            "peaceful assembly. The authorities must honour these obligations, protect peaceful protesters and "
            "respect free speech. They must also ensure that police do not use unlawful and excessive force. "
            "Any police officer or other official responsible for inflicting human rights violations must be "
            "held to account."
        ),
        "excerpt": (
            "Kazakhstan’s commitments under international law and its own constitution enshrine the right to "
            "peaceful assembly. The authorities must honour these obligations, protect peaceful protesters and "
            "respect free speech. They must also ensure that police do not use unlawful and excessive force. "
            "Any police officer or other official responsible for inflicting human rights violations must be "
            "held to account."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "europarl-release",
        "speaker": "European Parliament",
        "role": _EP_PRESS,
        "text": (
            "Parliament urges Kazakh authorities to respect human rights and fundamental freedoms and "
            "immediately release arbitrarily detained demonstrators and activists."
        ),
        "excerpt": (
            "Strongly denouncing the widespread acts of violence that followed the peaceful protests in "
            "Kazakhstan that began on 2 January, Parliament urges Kazakh authorities to respect human rights and "
            "fundamental freedoms and immediately release arbitrarily detained demonstrators and activists."
        ),
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-overly-broad",
        "speaker": "European Parliament",
        "role": _EP_PRESS,
        "text": (
            "MEPs want the Kazakh authorities to refrain from bringing forward terrorism charges ‘on the basis "
            "of overly broad interpretations of the term’ and to distinguish between peaceful protesters and "
            "those using violence and committing crimes."
        ),
        "excerpt": (
            "Condemning President Tokayev’s inflammatory rhetoric, including his general portrayal of the "
            "protesters as ‘terrorists’, MEPs want the Kazakh authorities to refrain from bringing forward "
            "terrorism charges ‘on the basis of overly broad interpretations of the term’ and to distinguish "
            "between peaceful protesters and those using violence and committing crimes."
        ),
        "source": "europarl-2022-01-20",
    },
]

DEMANDS = [
    {
        "key": "amnesty-release",
        "organisation": "amnesty",
        "text": "Release, immediately and unconditionally, everyone who has been arbitrarily detained.",
        "addressee": "kazakhstan",
        "source": "amnesty-2022-01",
    },
    {
        "key": "amnesty-fair-trials",
        "organisation": "amnesty",
        "text": (
            "Give anyone accused of internationally recognised crimes for violent acts a fair trial, in line "
            "with international human rights law."
        ),
        "addressee": "kazakhstan",
        "source": "amnesty-2022-01",
    },
    {
        "key": "amnesty-no-excessive-force",
        "organisation": "amnesty",
        "text": "Make sure police do not use unlawful or excessive force.",
        "addressee": "kazakhstan",
        "source": "amnesty-2022-01",
    },
    {
        "key": "amnesty-accountability",
        "organisation": "amnesty",
        "text": "Hold to account any police officer or other official responsible for human rights violations.",
        "addressee": "kazakhstan",
        "source": "amnesty-2022-01",
    },
    {
        "key": "europarl-release",
        "organisation": "europarl",
        "text": "Release arbitrarily detained demonstrators and activists immediately.",
        "addressee": "kazakhstan",
        "source": "europarl-resolution-2022-01-20",
    },
    {
        "key": "europarl-terrorism-charges",
        "organisation": "europarl",
        "text": "Do not bring terrorism charges based on overly broad interpretations of the term.",
        "addressee": "kazakhstan",
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-distinguish",
        "organisation": "europarl",
        "text": "Distinguish between peaceful protesters and those who used violence and committed crimes.",
        "addressee": "kazakhstan",
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-international-investigation",
        "organisation": "europarl",
        "text": (
            "Support a proper international investigation into the crimes committed against the people of Kazakhstan."
        ),
        "addressee": "international",
        "source": "europarl-resolution-2022-01-20",
    },
    {
        "key": "europarl-osce-working-group",
        "organisation": "europarl",
        "text": (
            "Consider setting up a permanent working group under the OSCE's auspices to assess whether the unrest "
            "resulted from foreign interference or internal power struggles, and address its root causes."
        ),
        "addressee": "kazakhstan",
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-reforms",
        "organisation": "europarl",
        "text": "Make urgent reforms to fight corruption and reduce rising inequality.",
        "addressee": "kazakhstan",
        "source": "europarl-2022-01-20",
    },
]

PETITION = {
    "slug": "free-kazakhstan-detainees",
    "title": "Release the people arbitrarily detained after the January 2022 protests in Kazakhstan",
    "text": (
        "To the authorities of the Republic of Kazakhstan:"
        "\n\n"
        "We are deeply concerned for the people detained during and after the protests that began on "
        "2 January 2022. We call on you to release, immediately and unconditionally, everyone who has been "
        "arbitrarily detained, including peaceful demonstrators and activists."
        "\n\n"
        "Anyone accused of an internationally recognised crime for violent acts must receive a fair trial in "
        "line with international human rights law. Do not bring terrorism charges based on overly broad "
        "interpretations of the term, and distinguish between peaceful protesters and those who used violence."
        "\n\n"
        "Ensure that police do not use unlawful or excessive force, allow a proper international investigation "
        "into the events of January 2022, and hold to account every official responsible for human rights "
        "violations. Kazakhstan's constitution and its international commitments protect the right to "
        "peaceful assembly: honour them."
    ),
    "goal": 10000,
}
