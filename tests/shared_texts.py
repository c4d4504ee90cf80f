"""Small labelled texts and the test secret shared by the tests (import this, not conftest)."""

from __future__ import annotations

#: A 32-byte secret, the size ``secrets.token_bytes(32)`` gives; for tests only.
TEST_SECRET = bytes(range(32))

SPAM_TEXTS = (
    "Buy cheap viagra online, no prescription needed, discreet shipping http://pills.example.ru",
    "Cheap cialis and tramadol without a prescription, order now at http://meds-shop.xyz",
    "Great post! Visit my site for the best price on replica watches http://replica.example.top",
    "Earn $5000 a week working from home, contact me on WhatsApp +1 555 010 9999",
    "Best SEO backlinks service, cheap and fast, click here http://seo-links.example.club",
    "Casino bonus 200% free spins, sign up today http://casino.example.site",
    "Order oxycodone online no rx needed, discreet delivery, best price guaranteed",
    "Nice article, check out my blog about cheap loans and bitcoin investment profit",
    "Hot singles in your area, click the link below http://dating.example.online",
    "Recover your lost funds with this broker, contact via telegram @fundrecovery",
    "Buy essays online cheap, promo code SAVE50, order now http://essays.example.shop",
    "Discount pharmacy: xanax, valium, ambien without prescription, free shipping",
)
HAM_TEXTS = (
    "Thanks for the clear write-up; my doctor suggested the same approach for my knee.",
    "Does anyone know whether the physiotherapy exercises help with lower back pain?",
    "I had a similar experience after surgery; recovery took about six weeks for me.",
    "Could you share the study you mention? I would like to read the full paper.",
    "My mother has type 2 diabetes and this explanation of insulin resistance helped a lot.",
    "I appreciate that you recommend talking to a pharmacist before changing doses.",
    "The section on sleep hygiene was useful; I will try keeping a regular bedtime.",
    "How long should I wait after a tetanus shot before swimming?",
    "Our support group meets on Tuesdays; people with anxiety are welcome to join.",
    "I asked my GP about the side effects and she explained them patiently.",
    "Interesting point about vitamin D in winter; some studies suggest a modest benefit.",
    "Thank you for writing about postpartum depression so carefully.",
)
MISINFORMATION_TEXTS = (
    "Vaccines cause autism and big pharma is covering it up, do your own research.",
    "Stop taking your insulin, this herbal tea cures diabetes permanently, guaranteed.",
    "Chemo is poison; a miracle juice cleanse cured my cancer completely in two weeks.",
    "Antidepressants are a scam; throw away your pills and just think positive thoughts.",
    "Bleach drops cure every infection, the doctors don't want you to know this.",
    "5G towers spread the virus, the mainstream media hides the truth, wake up.",
    "Drinking colloidal silver is a proven cure for HIV, no side effects at all.",
    "Ivermectin is the hidden cure for everything and the elites suppress it.",
    "You don't need therapy for PTSD, one dose of this mushroom fixed it forever.",
    "Fluoride in water is population control poison, never trust your dentist.",
    "Garlic cures high blood pressure for good, quit your medication today.",
    "Autism is reversed by this diet, the cover-up by doctors is undeniable.",
)
RELIABLE_TEXTS = (
    "Vaccines do not cause autism; large studies with millions of children found no link.",
    "Talk to your doctor before changing your insulin dose; some studies suggest diet helps too.",
    "Chemotherapy has side effects, but for many cancers it improves survival in trials.",
    "Antidepressants may take several weeks to work; ask your prescriber about side effects.",
    "There is no evidence that bleach cures infections; it is dangerous to drink.",
    "The claim that 5G spreads viruses is a myth that has been debunked.",
    "Colloidal silver is not approved as a treatment and can turn skin blue-grey.",
    "Randomised trials found ivermectin did not help patients with covid.",
    "Therapy for PTSD, such as trauma-focused CBT, has good evidence behind it.",
    "Fluoride at the levels used in water reduces tooth decay according to research.",
    "Garlic may lower blood pressure slightly, but it is not a replacement for medication.",
    "Early intervention helps autistic children; no diet reverses autism.",
)
