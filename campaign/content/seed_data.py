"""The campaign's content, as plain data for the seed command.

Every row has a stable `key`: the seed creates only the rows that are missing, so a key
must never be renamed once it has been published. Edit text in the admin afterwards.

The text is our own, written from the facts in the sources below. Where the article we
started from slipped, we follow its primary sources: Mangystau is in western Kazakhstan,
and the protests began on 2 January 2022 (the Almaty mayor's office was stormed on
Wednesday 5 January 2022). Quotes are verbatim from the article, trimmed only with an
ellipsis.
"""

from datetime import date

SOURCES = [
    {
        "key": "amnesty-2022-01",
        "title": "Kazakhstan: Widespread violation of basic rights spurred unprecedented protests",
        "publisher": "Amnesty International",
        "url": "https://www.amnesty.org/en/latest/news/2022/01/repression-kazakhstan-basic-rights-spurred-protests/",
        "published_label": "January 2022",
        "published_on": date(2022, 1, 5),
        "note": (
            "Amnesty International's statement on the protests that began on 2 January 2022: the state of "
            "emergency, internet restrictions and at least 200 arrests, the 2011 Zhanaozen killings, years of "
            "repression, and its call to release everyone arbitrarily detained."
        ),
    },
    {
        "key": "europarl-2022-01-20",
        "title": "Human rights breaches in Hong Kong, Kazakhstan and Sudan",
        "publisher": "European Parliament",
        "url": (
            "https://www.europarl.europa.eu/news/en/press-room/20220114IPR21026/"
            "human-rights-breaches-in-hong-kong-kazakhstan-and-sudan"
        ),
        "published_label": "20 January 2022",
        "published_on": date(2022, 1, 20),
        "note": (
            "The European Parliament's resolution on Kazakhstan: release arbitrarily detained demonstrators and "
            "activists, no overly broad terrorism charges, an international investigation and urgent reforms."
        ),
    },
    {
        "key": "france24-2022-01-06",
        "title": "Security forces kill dozens in Kazakhstan unrest",
        "publisher": "France 24",
        "url": "https://www.france24.com/en/live-news/20220106-security-forces-kill-dozens-in-kazakhstan-unrest",
        "published_label": "6 January 2022",
        "published_on": date(2022, 1, 6),
        "note": "News report that security forces had killed dozens of people in the unrest by 6 January 2022.",
    },
    {
        "key": "arabnews-2022-01",
        "title": "Report on protesters storming the Almaty mayor's office",
        "publisher": "Arab News",
        "url": "https://www.arabnews.com/node/1999116/world",
        "published_label": "January 2022",
        "published_on": None,
        "note": "News report that protesters stormed several buildings in Almaty, including the mayor's office.",
    },
    {
        "key": "abdel-aziz-2022",
        "title": "Kazakhstan: Widespread violation of basic rights spurred unprecedented protests",
        "publisher": "Mariah Abdel-Aziz (eunacr.com)",
        "url": (
            "https://eunacr.com/2022/02/02/"
            "kazakhstan-widespread-violation-of-basic-rights-spurred-unprecedented-protests/"
        ),
        "published_label": "2 February 2022",
        "published_on": date(2022, 2, 2),
        "note": (
            "The article this campaign is built from: the LPG price rise, the government's resignation, the "
            "nationwide state of emergency, communication shutdowns and the first official casualty figures."
        ),
    },
]

CAMPAIGN = {
    "slug": "kazakhstan-january-2022",
    "title": "Free the people detained after Kazakhstan's January 2022 protests",
    "lede": (
        "In January 2022, protests over a fuel price rise spread across Kazakhstan. The authorities answered "
        "with force, a nationwide state of emergency and hundreds of arrests. We ask them to release everyone "
        "detained arbitrarily and to give anyone charged a fair trial."
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
        "Mobile phone signals were disrupted, messaging apps were blocked and the internet was shut down for "
        "hours at a time, so it was hard to know what was happening. Police said they had arrested at least "
        "200 protesters. The interior ministry said that by late on 5 January at least eight law enforcement "
        "officers had been killed and 317 wounded; the next day, France 24 reported that security forces had "
        "killed dozens of people. President Tokayev called in troops from the Collective Security Treaty "
        "Organization (CSTO), a military alliance that includes Russia and Belarus, and portrayed the "
        "protesters in general as “terrorists”."
    ),
    "why_it_matters": (
        "Peaceful protest is a human right. Kazakhstan's commitments under international law and its own "
        "constitution protect the right to peaceful assembly. Yet protests held without official permission "
        "are illegal there, even after a 2020 law eased some limits on freedom of assembly."
        "\n\n"
        "Amnesty International says the unrest grew out of years of repression. The authorities have banned "
        "peaceful protests and opposition political parties. Peaceful protest leaders, human rights defenders, "
        "bloggers and others have been imprisoned after unfair trials. In 2011, at least 14 protesters were "
        "killed when police cracked down on a demonstration in Zhanaozen, in the same western region where the "
        "January 2022 protests began."
        "\n\n"
        "Calling protesters “terrorists” puts everyone who took to the streets at risk of grave charges. The "
        "European Parliament has asked the authorities not to bring terrorism charges based on overly broad "
        "readings of the term, and to tell peaceful protesters apart from people who used violence and "
        "committed crimes. Anyone accused of a recognised crime should get a fair trial. Nobody should be held "
        "for protesting peacefully."
        "\n\n"
        "Kazakhstan rarely makes international headlines, and with communications cut, the people detained "
        "can easily be forgotten. Public pressure, alongside Amnesty International and the European "
        "Parliament, shows the authorities that the world is watching how they are treated."
    ),
    "call_to_action": (
        "Add your name to our petition to the authorities of Kazakhstan. Ask them to release everyone "
        "arbitrarily detained, to give anyone charged a fair trial, and to hold to account any official "
        "responsible for abuses. It takes less than a minute."
    ),
    "share_text": (
        "Hundreds were arrested in Kazakhstan's January 2022 protests. Amnesty International and the European "
        "Parliament call for the release of those arbitrarily detained. Add your name."
    ),
    "source_keys": [
        "amnesty-2022-01",
        "europarl-2022-01-20",
        "france24-2022-01-06",
        "arabnews-2022-01",
        "abdel-aziz-2022",
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
        "title": "Tear gas, and at least 200 arrests",
        "body": (
            "Police fire tear gas and stun grenades at protesters. President Tokayev says on television that he "
            "plans “to act as toughly as possible”. Police say they have arrested at least 200 protesters and "
            "that dozens of officers have been injured."
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
        "title": "Dozens killed; foreign troops called in",
        "body": (
            "Security forces are reported to have killed dozens of people. President Tokayev calls in troops "
            "from the Collective Security Treaty Organization (CSTO), a military alliance that includes Russia "
            "and Belarus."
        ),
        "source": "france24-2022-01-06",
    },
    {
        "key": "europarl-resolution",
        "date": date(2022, 1, 20),
        "date_label": "20 January 2022",
        "title": "European Parliament calls for release",
        "body": (
            "The European Parliament adopts a resolution on Kazakhstan. It denounces the violence that followed "
            "the peaceful protests, condemns President Tokayev's portrayal of protesters as “terrorists”, and "
            "urges the authorities to release arbitrarily detained demonstrators and activists immediately."
        ),
        "source": "europarl-2022-01-20",
    },
]

DEMANDS = [
    {
        "key": "amnesty-release",
        "organisation": "amnesty",
        "text": "Release everyone who has been arbitrarily detained, immediately and unconditionally.",
        "source": "amnesty-2022-01",
    },
    {
        "key": "amnesty-fair-trials",
        "organisation": "amnesty",
        "text": (
            "Give anyone accused of internationally recognised crimes for violent acts a fair trial, in line "
            "with international human rights law."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "amnesty-no-excessive-force",
        "organisation": "amnesty",
        "text": "Make sure police do not use unlawful or excessive force.",
        "source": "amnesty-2022-01",
    },
    {
        "key": "amnesty-accountability",
        "organisation": "amnesty",
        "text": "Hold to account any police officer or other official responsible for human rights violations.",
        "source": "amnesty-2022-01",
    },
    {
        "key": "europarl-release",
        "organisation": "europarl",
        "text": "Release arbitrarily detained demonstrators and activists immediately.",
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-terrorism-charges",
        "organisation": "europarl",
        "text": "Do not bring terrorism charges based on overly broad interpretations of the term.",
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-distinguish",
        "organisation": "europarl",
        "text": "Distinguish between peaceful protesters and those who used violence and committed crimes.",
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-international-investigation",
        "organisation": "europarl",
        "text": (
            "Allow a proper international investigation into the crimes committed against the people of "
            "Kazakhstan."
        ),
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-osce-working-group",
        "organisation": "europarl",
        "text": (
            "Consider setting up a permanent working group under the OSCE's auspices to look into the causes of "
            "the unrest and address them."
        ),
        "source": "europarl-2022-01-20",
    },
    {
        "key": "europarl-reforms",
        "organisation": "europarl",
        "text": "Make urgent reforms to fight corruption and reduce rising inequality.",
        "source": "europarl-2022-01-20",
    },
]

QUOTES = [
    {
        "key": "struthers-repression",
        "speaker": "Marie Struthers",
        "role": "Amnesty International's Director for Eastern Europe and Central Asia",
        "text": (
            "The protests unfolding in Kazakhstan, which have turned violent, are a direct consequence of the "
            "authorities’ widespread repression of basic human rights. For years, the government has "
            "relentlessly persecuted peaceful dissent, leaving the Kazakhstani people in a state of agitation "
            "and despair."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "struthers-resolve-peacefully",
        "speaker": "Marie Struthers",
        "role": "Amnesty International's Director for Eastern Europe and Central Asia",
        "text": (
            "Instead of threatening to crack down on protesters, the Kazakhstani authorities must resolve the "
            "situation peacefully … Protesters accused of internationally recognized crimes for violent actions "
            "should be provided with fair trials in accordance with international human rights law."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "struthers-obligations",
        "speaker": "Marie Struthers",
        "role": "Amnesty International's Director for Eastern Europe and Central Asia",
        "text": (
            "Kazakhstan’s commitments under international law and its own constitution enshrine the right to "
            "peaceful assembly. The authorities must honour these obligations, protect peaceful protesters and "
            "respect free speech. They must also ensure that police do not use unlawful and excessive force. "
            "Any police officer or other official responsible for inflicting human rights violations must be "
            "held to account."
        ),
        "source": "amnesty-2022-01",
    },
    {
        "key": "europarl-overly-broad",
        "speaker": "European Parliament",
        "role": "Resolution of 20 January 2022, asking Kazakhstan not to bring terrorism charges against protesters",
        "text": "… on the basis of overly broad interpretations of the term",
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
