"""Department names per locale."""

from collections.abc import Sequence

# Department names per locale; other locales use the en_US ones.
DEPARTMENTS: dict[str, Sequence[str]] = {
    "en_US": ("Sales", "Marketing", "Finance", "Human Resources", "Engineering", "Customer Support",
              "Operations", "Legal", "Procurement", "Research and Development", "IT", "Product Management",
              "Logistics", "Quality Assurance", "Administration"),
    "de_DE": ("Vertrieb", "Marketing", "Finanzen", "Personal", "Entwicklung", "Kundenservice", "Betrieb",
              "Recht", "Einkauf", "Forschung und Entwicklung", "IT", "Produktmanagement", "Logistik",
              "Qualitätssicherung", "Verwaltung"),
    "fr_FR": ("Ventes", "Marketing", "Finance", "Ressources humaines", "Ingénierie", "Service client",
              "Opérations", "Juridique", "Achats", "Recherche et développement", "Informatique",
              "Gestion de produit", "Logistique", "Assurance qualité", "Administration"),
    "ja_JP": ("営業部", "マーケティング部", "経理部", "人事部", "開発部", "カスタマーサポート部", "業務部", "法務部",
              "購買部", "研究開発部", "情報システム部", "商品企画部", "物流部", "品質保証部", "総務部"),
}
