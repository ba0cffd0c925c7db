"""The demo's articles: three languages, their upgraded and legacy versions.

Texts are short and written for the demo. An article's legacy version shares most of its
words with the upgraded one (the old layout differs, the article does not), except where a
problem is planted on purpose; `planted.py` lists those problems.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    """One upgraded page and what its legacy version looks like.

    `legacy` is the legacy path the notice links (None: the page has no notice);
    `legacy_title`/`legacy_text` override the old version's content (a planted mismatch);
    `archived` says whether the archive holds that path with the article.
    """

    slug: str
    title: str
    text: str
    legacy: str | None
    archived: bool = True
    legacy_title: str | None = None
    legacy_text: str | None = None
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class Language:
    """One language site of the demo."""

    code: str
    home_title: str
    home_intro: str
    articles_path: str
    notice: str
    articles: tuple[Article, ...]
    archive_title: str

    def article_path(self, slug: str) -> str:
        return f"{self.articles_path}{slug}/"


EN = Language(
    code="en",
    home_title="City news",
    home_intro="News from the city, moved to the new page format. Every article keeps a link "
    "to its old web page.",
    articles_path="/en/articles/",
    notice="Links to the old web pages",
    archive_title="City news archive",
    articles=(
        Article(
            "meeting",
            "Council meeting on the new market square",
            "The city council met on Tuesday evening to discuss the new market square. "
            "Residents asked for more trees, benches and a fountain near the bakery. "
            "The council agreed to publish three designs before the summer holidays. "
            "A public vote on the designs will take place in September.",
            "/en/News/meeting.html",
        ),
        Article(
            "garden",
            "Community garden opens on Linden Street",
            "The community garden on Linden Street opened its gates on Saturday morning. "
            "Forty families share raised beds for tomatoes, beans, herbs and flowers. "
            "Volunteers built a tool shed and a rain barrel from recycled wood. "
            "Children from the primary school planted sunflowers along the fence.",
            "/en/News/garden.html",
        ),
        Article(
            "budget",
            "City budget for the coming year",
            "The finance committee presented the city budget for the coming year. "
            "Spending on public transport and libraries grows, while road repairs stay "
            "level. Property taxes remain unchanged for the third year in a row. "
            "Citizens may comment on the draft budget until the end of the month.",
            "/en/News/budget.html",
            archived=False,  # the archive redirects it back to the upgraded page (L204)
        ),
        Article(
            "harbour",
            "Harbour ferry timetable extended",
            "The harbour ferry will run every twenty minutes from May to October. "
            "Evening crossings continue until midnight on Fridays and Saturdays. "
            "Bicycles travel free of charge on every ferry during the summer season. "
            "Tickets can be bought on board or with the new mobile application.",
            "/en/News/harbour.html",
            archived=False,  # lost from the archive: 404 (L201)
        ),
        Article(
            "library",
            "Central library extends its opening hours",
            "The central library now opens at eight in the morning on weekdays. "
            "Students asked for quiet reading rooms before their lectures begin. "
            "The library also lends laptops, board games and musical instruments. "
            "Membership remains free for every resident of the city.",
            "/en/News/library.html",
            # The archive holds another article under that URL (L203).
            legacy_title="Tram line seven changes route during works",
            legacy_text="Tram line seven takes a detour through the eastern district while "
            "workers replace rails near the railway station. Passengers should expect "
            "delays of ten minutes at peak hours. Replacement buses serve the closed stops "
            "every quarter hour until the works finish in spring.",
        ),
        Article(
            "strike",
            "Refuse collection strike ends",
            "The strike of refuse collectors ended after two weeks of negotiations. "
            "Workers obtained a shorter week and new protective clothing. "
            "Collection returns to the usual schedule from Monday in every district. "
            "Extra lorries will clear the streets of waste that piled up.",
            # Its notice names the archive's real spelling, not the pattern's (L205).
            "/en/News/2019-strike.html",
        ),
        Article(
            "bridge",
            "Old stone bridge reopens to pedestrians",
            "The old stone bridge over the river reopened to pedestrians after repairs. "
            "Engineers replaced the cracked arches and cleaned the carved railings. "
            "Cars remain banned from the bridge to protect the historic structure. "
            "A small exhibition on the bank tells the story of its construction.",
            "/en/News/bridge.html",
        ),
        Article(
            "festival",
            "Summer festival programme announced",
            "The summer festival returns to the park with music, theatre and dance. "
            "Local bands play on the lake stage every evening of the second week of July. "
            "Street food stalls offer dishes from twenty countries near the entrance. "
            "Entry is free, and a night bus runs after the final concert.",
            "/en/News/festival.html",
        ),
        Article(
            "school",
            "New primary school building finished",
            "The new primary school building on Oak Avenue is finished and ready for pupils. "
            "Classrooms have large windows, solar panels and a rooftop playground. "
            "The school kitchen cooks lunch with vegetables from nearby farms. "
            "Parents are invited to visit the building on Saturday afternoon.",
            "/en/News/school.html",
        ),
        Article(
            "museum-night",
            "Museum night draws record crowds",
            "Museum night drew record crowds to eleven museums across the city. "
            "Visitors queued for the dinosaur skeletons and the lighthouse models. "
            "Special buses connected the museums until two in the morning. "
            "Organisers thanked the volunteers who guided more than thirty thousand guests.",
            "/en/News/museum-night.html",
        ),
        Article(
            "recycling",
            "Recycling points for old electronics",
            "Residents can now bring old phones, lamps and computers to twelve recycling "
            "points. The collected devices are repaired for schools or taken apart safely. "
            "Batteries must be removed and handed in at the counter separately. "
            "A map of the recycling points is available at the town hall.",
            "/en/News/recycling.html",
        ),
        Article(
            "orchestra",
            "Youth orchestra tours the coast",
            "The youth orchestra begins a tour of seven coastal towns next week. "
            "Sixty young musicians will play symphonies, film music and folk songs. "
            "Each concert ends with a piece written by a pupil of the music school. "
            "Tickets for the final concert in the cathedral are already sold out.",
            "/en/News/orchestra.html",
        ),
    ),
)

FR = Language(
    code="fr",
    home_title="Nouvelles de la ville",
    home_intro="Les nouvelles de la ville, passées au nouveau format de page. Chaque article "
    "garde un lien vers son ancienne page web.",
    articles_path="/fr/articles/",
    notice="Liens vers les anciennes pages web",
    archive_title="Archives des nouvelles",
    articles=(
        Article(
            "velo",
            "Nouvelles pistes cyclables au centre-ville",
            "La ville ouvre quatre nouvelles pistes cyclables au centre-ville. "
            "Les cyclistes pourront traverser le quartier de la gare en toute sécurité. "
            "Des arceaux pour garer les vélos seront installés devant chaque école. "
            "Les travaux se termineront avant la rentrée de septembre.",
            "/fr/archives/velo.html",
        ),
        Article(
            "musee",
            "Le musée des beaux-arts rénové",
            "Le musée des beaux-arts rouvre ses salles après deux ans de rénovation. "
            "Les tableaux du dix-neuvième siècle retrouvent leurs couleurs d'origine. "
            "Une nouvelle salle présente les sculptures du jardin. "
            "L'entrée est gratuite le premier dimanche de chaque mois.",
            None,  # the notice was forgotten (L200)
        ),
        Article(
            "marche",
            "Le marché couvert change d'horaires",
            "Le marché couvert ouvrira désormais à sept heures du matin. "
            "Les maraîchers vendent leurs légumes, fromages et fleurs jusqu'à midi. "
            "Le samedi, un marché aux livres anciens s'installe sous la halle. "
            "Le parking voisin reste gratuit pendant les heures du marché.",
            # The archive lost it and answers "page introuvable" with 200 (L202).
            "/fr/archives/marche-couvert.html",
            archived=False,
        ),
        Article(
            "fontaine",
            "La fontaine de la place restaurée",
            "La fontaine de la place de l'église coule de nouveau après sa restauration. "
            "Les tailleurs de pierre ont remplacé les vasques fissurées. "
            "Un éclairage discret met en valeur les statues la nuit. "
            "Une fête de quartier célébrera la fin des travaux samedi soir.",
            "/fr/archives/fontaine.html",
        ),
        Article(
            "concert",
            "Concert gratuit au parc",
            "L'orchestre municipal donne un concert gratuit au parc dimanche après-midi. "
            "Au programme, des valses, des airs d'opéra et des chansons populaires. "
            "Les spectateurs peuvent apporter une couverture et un pique-nique. "
            "En cas de pluie, le concert aura lieu dans la salle des fêtes.",
            "/fr/archives/concert.html",
        ),
        Article(
            "ecole",
            "Une cantine bio dans les écoles",
            "Les écoles de la ville servent désormais des repas biologiques à la cantine. "
            "Les légumes viennent de fermes situées à moins de cinquante kilomètres. "
            "Les enfants apprennent aussi à cultiver un petit potager. "
            "Le prix du repas ne change pas pour les familles.",
            "/fr/archives/ecole.html",
        ),
        Article(
            "jardin",
            "Jardins partagés au bord du canal",
            "Des jardins partagés ouvrent au bord du canal. "
            "Trente familles cultivent des tomates, des salades et des herbes aromatiques. "
            "Un composteur collectif recycle les déchets verts du quartier. "
            "Des ateliers de jardinage ont lieu chaque mercredi.",
            "/fr/archives/jardin.html",
        ),
        Article(
            "bibliotheque",
            "La bibliothèque prête des jeux de société",
            "La bibliothèque municipale prête désormais des jeux de société. "
            "Plus de trois cents jeux sont disponibles pour les enfants et les adultes. "
            "Une soirée de jeux est organisée le dernier vendredi du mois. "
            "L'inscription à la bibliothèque reste gratuite.",
            "/fr/archives/bibliotheque.html",
        ),
        Article(
            "tramway",
            "Le tramway prolongé jusqu'à l'hôpital",
            "La ligne de tramway sera prolongée jusqu'à l'hôpital. "
            "Trois nouvelles stations desserviront le quartier nord. "
            "Les travaux commenceront au printemps et dureront deux ans. "
            "Des bus de remplacement circuleront pendant les travaux.",
            "/fr/archives/tramway.html",
        ),
        Article(
            "vendanges",
            "Fête des vendanges dans la vieille ville",
            "La fête des vendanges anime la vieille ville le week-end prochain. "
            "Les vignerons proposent de goûter le raisin et le jus nouveau. "
            "Un défilé de chars fleuris traverse les rues samedi après-midi. "
            "Le soir, un bal populaire se tient sur la place du marché.",
            "/fr/archives/vendanges.html",
        ),
    ),
)

EL = Language(
    code="el",
    home_title="Ειδήσεις της πόλης",
    home_intro="Οι ειδήσεις της πόλης στη νέα μορφή σελίδας. Κάθε άρθρο κρατά έναν σύνδεσμο "
    "προς την παλιά του ιστοσελίδα.",
    articles_path="/el/άρθρα/",
    notice="Σύνδεσμοι προς τις παλιές ιστοσελίδες",
    archive_title="Αρχείο ειδήσεων",
    articles=(
        Article(
            "θάλασσα",
            "Καθαρισμός της παραλίας από εθελοντές",
            "Εκατό εθελοντές καθάρισαν την παραλία της πόλης το πρωί της Κυριακής. "
            "Μάζεψαν πλαστικά μπουκάλια, δίχτυα και σκουπίδια από την άμμο. "
            "Ο δήμος θα τοποθετήσει νέους κάδους ανακύκλωσης κοντά στη θάλασσα. "
            "Ο επόμενος καθαρισμός θα γίνει στις αρχές του καλοκαιριού.",
            "/el/αρχείο/θάλασσα.html",
            encoding="iso-8859-7",  # served as text/html, charset only in <meta>
        ),
        Article(
            "λιμάνι",
            "Νέα δρομολόγια στο λιμάνι",
            "Το λιμάνι αποκτά νέα δρομολόγια προς τα κοντινά νησιά. "
            "Τα πλοία θα αναχωρούν κάθε πρωί στις επτά και κάθε απόγευμα στις πέντε. "
            "Οι επιβάτες μπορούν να αγοράσουν εισιτήρια και από το διαδίκτυο. "
            "Το καλοκαίρι προστίθεται και ένα βραδινό δρομολόγιο.",
            # The archive sends it to its home page (L202).
            "/el/αρχείο/λιμάνι.html",
            archived=False,
        ),
        Article(
            "θέατρο",
            "Το θέατρο της πόλης ανοίγει ξανά",
            "Το δημοτικό θέατρο ανοίγει ξανά μετά από δύο χρόνια εργασιών. "
            "Η νέα σκηνή έχει σύγχρονο φωτισμό και καλύτερη ακουστική. "
            "Η πρώτη παράσταση είναι μια κωμωδία για όλη την οικογένεια. "
            "Τα εισιτήρια για τους μαθητές κοστίζουν πέντε ευρώ.",
            "/el/αρχείο/θέατρο.html",
            encoding="iso-8859-7",
        ),
        Article(
            "ελιές",
            "Γιορτή της ελιάς στο χωριό",
            "Το χωριό γιορτάζει τη συγκομιδή της ελιάς το πρώτο Σάββατο του Νοεμβρίου. "
            "Οι παραγωγοί προσφέρουν λάδι, ψωμί και ελιές στους επισκέπτες. "
            "Μουσικοί παίζουν παραδοσιακά τραγούδια στην πλατεία. "
            "Λεωφορεία συνδέουν το χωριό με την πόλη όλη την ημέρα.",
            "/el/αρχείο/ελιές.html",
        ),
        Article(
            "σχολείο",
            "Νέο σχολείο στη γειτονιά",
            "Το νέο δημοτικό σχολείο της γειτονιάς υποδέχεται τους μαθητές τον Σεπτέμβριο. "
            "Έχει βιβλιοθήκη, γυμναστήριο και μεγάλη αυλή με δέντρα. "
            "Στην ταράτσα υπάρχουν ηλιακοί συλλέκτες για ζεστό νερό. "
            "Οι γονείς μπορούν να επισκεφθούν το κτίριο την Παρασκευή.",
            "/el/αρχείο/σχολείο.html",
        ),
        Article(
            "γιορτή",
            "Καλοκαιρινή γιορτή στο πάρκο",
            "Η καλοκαιρινή γιορτή επιστρέφει στο πάρκο με μουσική και χορό. "
            "Τοπικά συγκροτήματα παίζουν κάθε βράδυ δίπλα στη λίμνη. "
            "Τα παιδιά μπορούν να πάρουν μέρος σε εργαστήρια ζωγραφικής. "
            "Η είσοδος είναι ελεύθερη για όλους.",
            "/el/αρχείο/γιορτή.html",
        ),
        Article(
            "μουσείο",
            "Βραδιά στο αρχαιολογικό μουσείο",
            "Το αρχαιολογικό μουσείο μένει ανοιχτό ως τα μεσάνυχτα το Σάββατο. "
            "Οι επισκέπτες θα δουν αγγεία, αγάλματα και νομίσματα της αρχαίας πόλης. "
            "Αρχαιολόγοι θα ξεναγούν μικρές ομάδες κάθε μισή ώρα. "
            "Η είσοδος είναι δωρεάν για φοιτητές και μαθητές.",
            "/el/αρχείο/μουσείο.html",
        ),
        Article(
            "πλατεία",
            "Ανάπλαση της κεντρικής πλατείας",
            "Η κεντρική πλατεία θα αποκτήσει περισσότερα δέντρα και παγκάκια. "
            "Τα αυτοκίνητα δεν θα περνούν πια μπροστά από το δημαρχείο. "
            "Ένα νέο σιντριβάνι θα δροσίζει τους περαστικούς το καλοκαίρι. "
            "Οι εργασίες ξεκινούν τον Μάρτιο και τελειώνουν τον Ιούνιο.",
            "/el/αρχείο/πλατεία.html",
        ),
        Article(
            "βιβλιοθήκη",
            "Η δημοτική βιβλιοθήκη ανοίγει νωρίτερα",
            "Η δημοτική βιβλιοθήκη ανοίγει πλέον στις οκτώ το πρωί. "
            "Οι φοιτητές ζήτησαν ήσυχες αίθουσες για διάβασμα πριν από τα μαθήματα. "
            "Η βιβλιοθήκη δανείζει επίσης υπολογιστές και επιτραπέζια παιχνίδια. "
            "Η εγγραφή παραμένει δωρεάν για όλους τους κατοίκους.",
            "/el/αρχείο/βιβλιοθήκη.html",
        ),
        Article(
            "κήπος",
            "Ο δημοτικός κήπος ανθίζει",
            "Ο δημοτικός κήπος γέμισε τριαντάφυλλα, γιασεμιά και λεμονιές. "
            "Οι κηπουροί φύτεψαν εκατό νέα δέντρα μετά τον χειμώνα. "
            "Κάθε Κυριακή γίνονται ξεναγήσεις για οικογένειες με παιδιά. "
            "Ο κήπος είναι ανοιχτός από το πρωί ως τη δύση του ηλίου.",
            "/el/αρχείο/κήπος.html",
        ),
    ),
)

LANGUAGES: tuple[Language, ...] = (EN, FR, EL)
