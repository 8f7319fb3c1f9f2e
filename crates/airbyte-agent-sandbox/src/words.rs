//! Small vocabularies the generated records are assembled from. Written
//! for the sandbox: nothing here names a real person or account.

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farah", "Gustavo", "Hana", "Ivo", "Jun", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Uma",
    "Viktor", "Wen", "Ximena", "Yusuf", "Zoe",
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Abernathy",
    "Baptiste",
    "Castellanos",
    "Dufresne",
    "Eriksen",
    "Fontaine",
    "Gallagher",
    "Haddad",
    "Ishikawa",
    "Jablonski",
    "Kowalczyk",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okonkwo",
    "Petrov",
    "Quiroga",
    "Rasmussen",
    "Sandoval",
    "Thornton",
    "Umarov",
    "Varga",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zimmermann",
];

/// (city, state, country, postal code)
pub(crate) const PLACES: &[(&str, Option<&str>, &str, &str)] = &[
    ("Portland", Some("OR"), "US", "97201"),
    ("Austin", Some("TX"), "US", "73301"),
    ("Madison", Some("WI"), "US", "53703"),
    ("Boulder", Some("CO"), "US", "80302"),
    ("Savannah", Some("GA"), "US", "31401"),
    ("Toronto", Some("ON"), "CA", "M5H 2N2"),
    ("Lyon", None, "FR", "69002"),
    ("Leipzig", None, "DE", "04109"),
    ("Porto", None, "PT", "4050-001"),
    ("Utrecht", None, "NL", "3511 AA"),
    ("Bristol", None, "GB", "BS1 4DJ"),
    ("Dublin", None, "IE", "D02 X285"),
];

pub(crate) const STREETS: &[&str] = &[
    "Maple", "Harbor", "Quarry", "Orchard", "Juniper", "Lantern", "Meadow", "Copper", "Willow",
    "Granite",
];

pub(crate) const STREET_KINDS: &[&str] = &["Street", "Avenue", "Road", "Lane", "Way"];

pub(crate) const TIERS: &[&str] = &["bronze", "silver", "gold"];

pub(crate) const PRODUCT_ADJECTIVES: &[&str] = &[
    "Aurora", "Basalt", "Cobalt", "Drift", "Ember", "Fjord", "Glacier", "Harbor", "Ion", "Juniper",
    "Kestrel", "Lumen", "Meridian", "Nimbus", "Onyx", "Prism",
];

pub(crate) const PRODUCT_NOUNS: &[&str] = &[
    "Notebook",
    "Backpack",
    "Desk Lamp",
    "Water Bottle",
    "Headphones",
    "Keyboard",
    "Mug",
    "Hoodie",
    "Subscription",
    "Support Plan",
    "Workshop",
    "License",
];

/// (brand, last 4 digits): the public test card numbers' tails.
pub(crate) const CARDS: &[(&str, &str)] = &[
    ("visa", "4242"),
    ("mastercard", "4444"),
    ("amex", "8431"),
    ("discover", "1117"),
];
