"""Word lists for generated titles, with accents and non-Latin scripts to exercise normalisation."""

from __future__ import annotations

ADJECTIVES: tuple[str, ...] = (
    "Silent", "Crimson", "Forgotten", "Broken", "Golden", "Hidden", "Last", "Electric", "Frozen", "Burning",
    "Endless", "Wild", "Lonely", "Savage", "Quiet", "Iron", "Velvet", "Midnight", "Hollow", "Distant",
    "Naïve", "Fatal", "Bitter", "Brave", "Secret", "Scarlet", "Shattered", "Wandering", "Eternal", "Sleeping",
    "Café", "Blue", "Dark", "Bright", "Northern", "Southern", "Lost", "Little", "Great", "Strange",
    "Über", "Mad", "Sweet", "Cold", "Restless", "Glass", "Paper", "Stone", "Hungry", "Neon",
    "Fragile", "Atomic", "Royal", "Sacred", "Pale", "Rising", "Falling", "Hard", "Soft", "Twisted",
)
NOUNS: tuple[str, ...] = (
    "Garden", "River", "Empire", "Shadow", "Kingdom", "Highway", "Mirror", "Ocean", "Harbor", "Machine",
    "Dream", "Winter", "Summer", "Station", "Hunter", "Stranger", "Island", "Letter", "Promise", "Signal",
    "Orchard", "Fortress", "Lighthouse", "Witness", "Detective", "Soldier", "Dancer", "Prophet", "Mountain", "Desert",
    "Élan", "Señorita", "Château", "Fjord", "Café", "Piñata", "Requiem", "Sonata", "Odyssey", "Labyrinth",
    "Circus", "Engine", "Compass", "Lantern", "Crown", "Bridge", "Tower", "Forest", "Storm", "Voyage",
    "Sword", "Daughter", "Son", "Father", "Mother", "Queen", "King", "Thief", "Ghost", "Wolf",
    "Cat", "Horse", "Raven", "Serpent", "Tiger", "Dragon", "Angel", "Devil", "Saint", "Pilgrim",
    "Clockmaker", "Gambler", "Sailor", "Pilot", "Miner", "Painter", "Poet", "Doctor", "Judge", "Spy",
)
PLACES: tuple[str, ...] = (
    "Paris", "Tokyo", "Berlin", "Lagos", "Lima", "Kraków", "São Paulo", "Zürich", "Reykjavík", "Montréal",
    "Istanbul", "Cairo", "Mumbai", "Seoul", "Oslo", "Dublin", "Havana", "Kyiv", "Nairobi", "Hanoi",
    "Москва", "東京", "서울", "القاهرة", "Αθήνα", "Yesterday", "Tomorrow", "the North", "the Sea", "the Sun",
    "the Moon", "Mars", "the Valley", "the Coast", "the City", "the Night", "the Dawn", "Winter", "Avalon", "Eden",
    "Málaga", "Göteborg", "Łódź", "Bogotá", "Brașov", "Düsseldorf", "Köln", "Nîmes", "Tromsø", "Český Krumlov",
)
ARTICLE_WORDS = frozenset({"The", "A", "An"})
SHOW_WORDS: tuple[str, ...] = ("Chronicles", "Files", "Saga", "Stories", "Diaries", "Affair", "Legacy")
FOREIGN_TITLES: tuple[str, ...] = (
    "Le Secret de la Nuit", "La Città Perduta", "Der Stille Fluss", "El Jardín Olvidado", "O Último Verão",
    "夜の秘密", "千の風", "Тихая Река", "Забытый Сад", "밤의 비밀", "Η Σιωπή", "سر الليل", "Den Tysta Floden",
    "Cichy Ogród", "Ölümsüz Yaz",
)
