"""Healthcare: ICD-10-CM diagnoses, blood types, medications and dosage instructions, NPI numbers,
body measurements and vital signs.

The ICD-10-CM table below holds common, currently valid US codes with their official short titles (the
classification is US English whatever the locale); frequency weights roughly follow how often the codes
appear in ambulatory claims. Codes and descriptions agree row by row through ``group``.
"""

from functools import lru_cache
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts, scheme
from mock_pipelines.core.generators.datetime import OptionalColumnRef
from mock_pipelines.core.generators.identifiers import digit_matrix, int_digits, luhn_check_digit
from mock_pipelines.core.locales.health import BMI_MEDIAN, HEIGHT
from mock_pipelines.core.registry import GenContext, generator

# (code, description, relative frequency)
ICD10_CODES: tuple[tuple[str, str, float], ...] = (
    ("I10", "Essential (primary) hypertension", 40),
    ("E11.9", "Type 2 diabetes mellitus without complications", 20),
    ("E78.5", "Hyperlipidemia, unspecified", 20),
    ("Z00.00", "Encounter for general adult medical examination without abnormal findings", 18),
    ("J06.9", "Acute upper respiratory infection, unspecified", 12),
    ("Z23", "Encounter for immunization", 12),
    ("M54.50", "Low back pain, unspecified", 10),
    ("E66.9", "Obesity, unspecified", 6),
    ("F41.1", "Generalized anxiety disorder", 6),
    ("F32.A", "Depression, unspecified", 6),
    ("E03.9", "Hypothyroidism, unspecified", 6),
    ("K21.9", "Gastro-esophageal reflux disease without esophagitis", 6),
    ("Z00.01", "Encounter for general adult medical examination with abnormal findings", 5),
    ("Z00.129", "Encounter for routine child health examination without abnormal findings", 5),
    ("N39.0", "Urinary tract infection, site not specified", 5),
    ("E11.65", "Type 2 diabetes mellitus with hyperglycemia", 5),
    ("R73.03", "Prediabetes", 5),
    ("E55.9", "Vitamin D deficiency, unspecified", 4),
    ("J02.9", "Acute pharyngitis, unspecified", 4),
    ("R05.9", "Cough, unspecified", 4),
    ("U07.1", "COVID-19", 4),
    ("I48.91", "Unspecified atrial fibrillation", 3),
    ("I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris", 3),
    ("J45.909", "Unspecified asthma, uncomplicated", 3),
    ("J44.9", "Chronic obstructive pulmonary disease, unspecified", 3),
    ("M25.561", "Pain in right knee", 3),
    ("M25.562", "Pain in left knee", 3),
    ("M54.2", "Cervicalgia", 3),
    ("G47.33", "Obstructive sleep apnea (adult) (pediatric)", 3),
    ("Z12.31", "Encounter for screening mammogram for malignant neoplasm of breast", 3),
    ("Z79.899", "Other long term (current) drug therapy", 3),
    ("R10.9", "Unspecified abdominal pain", 3),
    ("R07.9", "Chest pain, unspecified", 3),
    ("R51.9", "Headache, unspecified", 3),
    ("N18.30", "Chronic kidney disease, stage 3 unspecified", 2),
    ("N18.9", "Chronic kidney disease, unspecified", 2),
    ("D64.9", "Anemia, unspecified", 2),
    ("D50.9", "Iron deficiency anemia, unspecified", 2),
    ("E78.00", "Pure hypercholesterolemia, unspecified", 2),
    ("E78.2", "Mixed hyperlipidemia", 2),
    ("E11.22", "Type 2 diabetes mellitus with diabetic chronic kidney disease", 2),
    ("E11.40", "Type 2 diabetes mellitus with diabetic neuropathy, unspecified", 1),
    ("E11.21", "Type 2 diabetes mellitus with diabetic nephropathy", 1),
    ("E10.9", "Type 1 diabetes mellitus without complications", 1),
    ("E05.90", "Thyrotoxicosis, unspecified without thyrotoxic crisis or storm", 1),
    ("E66.01", "Morbid (severe) obesity due to excess calories", 2),
    ("E87.1", "Hypo-osmolality and hyponatremia", 1),
    ("E87.6", "Hypokalemia", 1),
    ("E86.0", "Dehydration", 1),
    ("E83.42", "Hypomagnesemia", 0.5),
    ("E28.2", "Polycystic ovarian syndrome", 1),
    ("E04.1", "Nontoxic single thyroid nodule", 1),
    ("I11.9", "Hypertensive heart disease without heart failure", 1),
    ("I12.9", "Hypertensive chronic kidney disease with stage 1 through stage 4 chronic kidney disease, or "
              "unspecified chronic kidney disease", 1),
    ("I48.0", "Paroxysmal atrial fibrillation", 1),
    ("I50.9", "Heart failure, unspecified", 1),
    ("I50.32", "Chronic diastolic (congestive) heart failure", 1),
    ("I21.4", "Non-ST elevation (NSTEMI) myocardial infarction", 0.5),
    ("I63.9", "Cerebral infarction, unspecified", 0.5),
    ("I73.9", "Peripheral vascular disease, unspecified", 1),
    ("I82.409", "Acute embolism and thrombosis of unspecified deep veins of unspecified lower extremity", 0.5),
    ("I26.99", "Other pulmonary embolism without acute cor pulmonale", 0.5),
    ("I95.9", "Hypotension, unspecified", 0.5),
    ("I49.9", "Cardiac arrhythmia, unspecified", 0.5),
    ("I47.10", "Supraventricular tachycardia, unspecified", 0.5),
    ("I35.0", "Nonrheumatic aortic (valve) stenosis", 0.5),
    ("I34.0", "Nonrheumatic mitral (valve) insufficiency", 0.5),
    ("I87.2", "Venous insufficiency (chronic) (peripheral)", 0.5),
    ("I70.0", "Atherosclerosis of aorta", 0.5),
    ("I65.29", "Occlusion and stenosis of unspecified carotid artery", 0.5),
    ("I83.90", "Asymptomatic varicose veins of unspecified lower extremity", 0.5),
    ("G45.9", "Transient cerebral ischemic attack, unspecified", 0.5),
    ("R00.0", "Tachycardia, unspecified", 1),
    ("R00.2", "Palpitations", 1),
    ("J01.90", "Acute sinusitis, unspecified", 2),
    ("J20.9", "Acute bronchitis, unspecified", 2),
    ("J18.9", "Pneumonia, unspecified organism", 1),
    ("J44.1", "Chronic obstructive pulmonary disease with (acute) exacerbation", 1),
    ("J45.20", "Mild intermittent asthma, uncomplicated", 1),
    ("J30.9", "Allergic rhinitis, unspecified", 2),
    ("J11.1", "Influenza due to unidentified influenza virus with other respiratory manifestations", 1),
    ("J96.01", "Acute respiratory failure with hypoxia", 0.5),
    ("J32.9", "Chronic sinusitis, unspecified", 1),
    ("J35.01", "Chronic tonsillitis", 0.5),
    ("R06.02", "Shortness of breath", 2),
    ("R07.89", "Other chest pain", 1),
    ("R10.13", "Epigastric pain", 1),
    ("R11.2", "Nausea with vomiting, unspecified", 1),
    ("R11.0", "Nausea", 1),
    ("R19.7", "Diarrhea, unspecified", 1),
    ("R50.9", "Fever, unspecified", 1),
    ("R42", "Dizziness and giddiness", 1),
    ("R53.83", "Other fatigue", 2),
    ("R55", "Syncope and collapse", 0.5),
    ("R63.4", "Abnormal weight loss", 0.5),
    ("R73.9", "Hyperglycemia, unspecified", 0.5),
    ("R31.9", "Hematuria, unspecified", 0.5),
    ("R35.0", "Frequency of micturition", 0.5),
    ("R41.82", "Altered mental status, unspecified", 0.5),
    ("R26.81", "Unsteadiness on feet", 0.5),
    ("R52", "Pain, unspecified", 1),
    ("R60.0", "Localized edema", 0.5),
    ("R09.02", "Hypoxemia", 0.5),
    ("R56.9", "Unspecified convulsions", 0.3),
    ("R47.01", "Aphasia", 0.2),
    ("R32", "Unspecified urinary incontinence", 0.5),
    ("R79.89", "Other specified abnormal findings of blood chemistry", 0.5),
    ("R94.31", "Abnormal electrocardiogram [ECG] [EKG]", 0.5),
    ("R91.8", "Other nonspecific abnormal finding of lung field", 0.5),
    ("K29.70", "Gastritis, unspecified, without bleeding", 1),
    ("K30", "Functional dyspepsia", 0.5),
    ("K35.80", "Unspecified acute appendicitis", 0.3),
    ("K40.90", "Unilateral inguinal hernia, without obstruction or gangrene, not specified as recurrent", 0.5),
    ("K52.9", "Noninfective gastroenteritis and colitis, unspecified", 1),
    ("K57.30", "Diverticulosis of large intestine without perforation or abscess without bleeding", 1),
    ("K58.9", "Irritable bowel syndrome without diarrhea", 1),
    ("K59.00", "Constipation, unspecified", 1),
    ("K76.0", "Fatty (change of) liver, not elsewhere classified", 1),
    ("K80.20", "Calculus of gallbladder without cholecystitis without obstruction", 0.5),
    ("K92.2", "Gastrointestinal hemorrhage, unspecified", 0.3),
    ("K64.9", "Unspecified hemorrhoids", 0.5),
    ("K02.9", "Dental caries, unspecified", 0.5),
    ("A09", "Infectious gastroenteritis and colitis, unspecified", 1),
    ("A41.9", "Sepsis, unspecified organism", 0.5),
    ("A49.9", "Bacterial infection, unspecified", 0.5),
    ("A08.4", "Viral intestinal infection, unspecified", 0.5),
    ("B34.9", "Viral infection, unspecified", 1),
    ("B02.9", "Zoster without complications", 0.5),
    ("B35.1", "Tinea unguium", 0.5),
    ("N18.4", "Chronic kidney disease, stage 4 (severe)", 0.5),
    ("N17.9", "Acute kidney failure, unspecified", 0.5),
    ("N40.0", "Benign prostatic hyperplasia without lower urinary tract symptoms", 1),
    ("N20.0", "Calculus of kidney", 0.5),
    ("N30.00", "Acute cystitis without hematuria", 0.5),
    ("N76.0", "Acute vaginitis", 0.5),
    ("N63.0", "Unspecified lump in unspecified breast", 0.3),
    ("N94.6", "Dysmenorrhea, unspecified", 0.5),
    ("N92.0", "Excessive and frequent menstruation with regular cycle", 0.5),
    ("N95.1", "Menopausal and female climacteric states", 0.5),
    ("M54.16", "Radiculopathy, lumbar region", 1),
    ("M25.511", "Pain in right shoulder", 1),
    ("M17.11", "Unilateral primary osteoarthritis, right knee", 1),
    ("M17.0", "Bilateral primary osteoarthritis of knee", 1),
    ("M19.90", "Unspecified osteoarthritis, unspecified site", 1),
    ("M81.0", "Age-related osteoporosis without current pathological fracture", 1),
    ("M79.7", "Fibromyalgia", 0.5),
    ("M79.604", "Pain in right leg", 0.5),
    ("M62.81", "Muscle weakness (generalized)", 1),
    ("M10.9", "Gout, unspecified", 0.5),
    ("M06.9", "Rheumatoid arthritis, unspecified", 0.5),
    ("M75.101", "Unspecified rotator cuff tear or rupture of right shoulder, not specified as traumatic", 0.3),
    ("M47.816", "Spondylosis without myelopathy or radiculopathy, lumbar region", 0.5),
    ("M51.26", "Other intervertebral disc displacement, lumbar region", 0.5),
    ("G43.909", "Migraine, unspecified, not intractable, without status migrainosus", 1),
    ("G47.00", "Insomnia, unspecified", 1),
    ("G40.909", "Epilepsy, unspecified, not intractable, without status epilepticus", 0.3),
    ("G30.9", "Alzheimer's disease, unspecified", 0.3),
    ("G56.00", "Carpal tunnel syndrome, unspecified upper limb", 0.3),
    ("G62.9", "Polyneuropathy, unspecified", 0.5),
    ("G89.29", "Other chronic pain", 1),
    ("F32.9", "Major depressive disorder, single episode, unspecified", 2),
    ("F33.1", "Major depressive disorder, recurrent, moderate", 1),
    ("F41.9", "Anxiety disorder, unspecified", 2),
    ("F43.10", "Post-traumatic stress disorder, unspecified", 0.5),
    ("F43.23", "Adjustment disorder with mixed anxiety and depressed mood", 0.5),
    ("F90.9", "Attention-deficit hyperactivity disorder, unspecified type", 1),
    ("F10.20", "Alcohol dependence, uncomplicated", 0.5),
    ("F17.210", "Nicotine dependence, cigarettes, uncomplicated", 1),
    ("F11.20", "Opioid dependence, uncomplicated", 0.3),
    ("F31.9", "Bipolar disorder, unspecified", 0.3),
    ("F20.9", "Schizophrenia, unspecified", 0.2),
    ("L03.90", "Cellulitis, unspecified", 0.5),
    ("L03.115", "Cellulitis of right lower limb", 0.3),
    ("L20.9", "Atopic dermatitis, unspecified", 0.5),
    ("L30.9", "Dermatitis, unspecified", 0.5),
    ("L40.0", "Psoriasis vulgaris", 0.3),
    ("L70.0", "Acne vulgaris", 0.5),
    ("L50.9", "Urticaria, unspecified", 0.3),
    ("L57.0", "Actinic keratosis", 0.5),
    ("L72.0", "Epidermal cyst", 0.3),
    ("H10.9", "Unspecified conjunctivitis", 0.5),
    ("H52.4", "Presbyopia", 0.5),
    ("H40.9", "Unspecified glaucoma", 0.3),
    ("H25.9", "Unspecified age-related cataract", 0.3),
    ("H66.90", "Otitis media, unspecified, unspecified ear", 1),
    ("H61.21", "Impacted cerumen, right ear", 0.5),
    ("H81.10", "Benign paroxysmal vertigo, unspecified ear", 0.3),
    ("H91.90", "Unspecified hearing loss, unspecified ear", 0.3),
    ("S93.401A", "Sprain of unspecified ligament of right ankle, initial encounter", 0.5),
    ("S52.501A", "Unspecified fracture of the lower end of right radius, initial encounter for closed "
                 "fracture", 0.2),
    ("S72.001A", "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture",
     0.2),
    ("S39.012A", "Strain of muscle, fascia and tendon of lower back, initial encounter", 0.5),
    ("S01.01XA", "Laceration without foreign body of scalp, initial encounter", 0.2),
    ("T78.40XA", "Allergy, unspecified, initial encounter", 0.3),
    ("W19.XXXA", "Unspecified fall, initial encounter", 0.5),
    ("Z01.419", "Encounter for gynecological examination (general) (routine) without abnormal findings", 2),
    ("Z12.11", "Encounter for screening for malignant neoplasm of colon", 1),
    ("Z79.4", "Long term (current) use of insulin", 1),
    ("Z79.01", "Long term (current) use of anticoagulants", 1),
    ("Z87.891", "Personal history of nicotine dependence", 1),
    ("Z86.73", "Personal history of transient ischemic attack (TIA), and cerebral infarction without residual "
               "deficits", 0.3),
    ("Z95.1", "Presence of aortocoronary bypass graft", 0.3),
    ("Z96.651", "Presence of right artificial knee joint", 0.3),
    ("Z30.011", "Encounter for initial prescription of contraceptive pills", 0.5),
    ("Z34.90", "Encounter for supervision of normal pregnancy, unspecified, unspecified trimester", 1),
    ("Z68.41", "Body mass index [BMI] 40.0-44.9, adult", 0.5),
    ("Z71.3", "Dietary counseling and surveillance", 0.5),
    ("Z76.0", "Encounter for issue of repeat prescription", 1),
    ("Z51.11", "Encounter for antineoplastic chemotherapy", 0.3),
    ("Z09", "Encounter for follow-up examination after completed treatment for conditions other than malignant "
            "neoplasm", 1),
    ("C50.911", "Malignant neoplasm of unspecified site of right female breast", 0.3),
    ("C61", "Malignant neoplasm of prostate", 0.3),
    ("C34.90", "Malignant neoplasm of unspecified part of unspecified bronchus or lung", 0.2),
    ("C18.9", "Malignant neoplasm of colon, unspecified", 0.2),
    ("C44.91", "Basal cell carcinoma of skin, unspecified", 0.3),
    ("C43.9", "Malignant melanoma of skin, unspecified", 0.1),
    ("D22.9", "Melanocytic nevi, unspecified", 0.3),
    ("D69.6", "Thrombocytopenia, unspecified", 0.3),
    ("D72.829", "Elevated white blood cell count, unspecified", 0.3),
    ("O80", "Encounter for full-term uncomplicated delivery", 0.5),
    ("O24.419", "Gestational diabetes mellitus in pregnancy, unspecified control", 0.3),
)


@lru_cache(maxsize=1)
def _icd10() -> tuple[pa.Array, pa.Array, np.ndarray]:
    codes = pa.array([c for c, _, _ in ICD10_CODES], type=pa.string())
    names = pa.array([d for _, d, _ in ICD10_CODES], type=pa.string())
    w = np.array([f for _, _, f in ICD10_CODES], dtype=np.float64)
    return codes, names, np.cumsum(w) / w.sum()


def _cdf_index(cdf: np.ndarray, u: np.ndarray) -> pa.Array:
    return pa.array(np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1), type=pa.int64())


def _diagnosis(ctx: GenContext, group: str | None) -> pa.Array:
    source = ctx.shared(group) if group else ctx
    return _cdf_index(_icd10()[2], source.uniform(31))


@generator("icd10_code", category="health", returns="string", example="E11.9", aliases=("diagnosis_code",),
           facts=Facts(regex=lambda _p, _l: r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$"))
def icd10_code(ctx: GenContext, *, group: str | None = "diagnosis") -> pa.Array:
    """ICD-10-CM diagnosis codes, common ones most often; rows agree with icd10_description of the same group."""
    return _icd10()[0].take(_diagnosis(ctx, group))


@generator("icd10_description", category="health", returns="string",
           example="Type 2 diabetes mellitus without complications", aliases=("diagnosis",),
           facts=NO_FACTS)
def icd10_description(ctx: GenContext, *, group: str | None = "diagnosis") -> pa.Array:
    """ICD-10-CM diagnosis titles (US English), matching icd10_code of the same group row by row."""
    return _icd10()[1].take(_diagnosis(ctx, group))


# ABO/Rh frequencies (%) by country; others use the US figures.
_BLOOD_TYPES = ("O+", "O-", "A+", "A-", "B+", "B-", "AB+", "AB-")
_BLOOD_FREQ = {
    "US": (37.4, 6.6, 35.7, 6.3, 8.5, 1.5, 3.4, 0.6),
    "DE": (35.0, 6.0, 37.0, 6.0, 9.0, 2.0, 4.0, 1.0),
    "FR": (36.0, 6.0, 37.0, 7.0, 9.0, 1.0, 3.0, 1.0),
    "JP": (29.85, 0.15, 39.8, 0.2, 19.9, 0.1, 9.95, 0.05),
}


@generator("blood_type", category="health", returns="string", example="A+", aliases=("blood_group",),
           facts=Facts(regex=lambda _p, _l: r"^(?:A|B|AB|O)[+-]$"))
def blood_type(ctx: GenContext) -> pa.Array:
    """ABO/Rh blood types at the population frequencies of the locale's country."""
    freq = np.array(_BLOOD_FREQ.get(ctx.locale.split("_")[-1], _BLOOD_FREQ["US"]))
    return pa.array(_BLOOD_TYPES).take(_cdf_index(np.cumsum(freq) / freq.sum(), ctx.uniform()))


# (generic name, strengths, form) — roughly in order of US prescription volume.
MEDICATIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Atorvastatin", ("10 mg", "20 mg", "40 mg", "80 mg"), "tablet"),
    ("Levothyroxine", ("25 mcg", "50 mcg", "75 mcg", "100 mcg", "125 mcg"), "tablet"),
    ("Lisinopril", ("5 mg", "10 mg", "20 mg", "40 mg"), "tablet"),
    ("Metformin", ("500 mg", "850 mg", "1000 mg"), "tablet"),
    ("Amlodipine", ("2.5 mg", "5 mg", "10 mg"), "tablet"),
    ("Metoprolol succinate", ("25 mg", "50 mg", "100 mg"), "extended-release tablet"),
    ("Omeprazole", ("20 mg", "40 mg"), "delayed-release capsule"),
    ("Simvastatin", ("10 mg", "20 mg", "40 mg"), "tablet"),
    ("Losartan", ("25 mg", "50 mg", "100 mg"), "tablet"),
    ("Albuterol", ("90 mcg/actuation",), "inhaler"),
    ("Gabapentin", ("100 mg", "300 mg", "600 mg"), "capsule"),
    ("Hydrochlorothiazide", ("12.5 mg", "25 mg"), "tablet"),
    ("Sertraline", ("25 mg", "50 mg", "100 mg"), "tablet"),
    ("Rosuvastatin", ("5 mg", "10 mg", "20 mg"), "tablet"),
    ("Montelukast", ("10 mg",), "tablet"),
    ("Escitalopram", ("5 mg", "10 mg", "20 mg"), "tablet"),
    ("Pantoprazole", ("20 mg", "40 mg"), "delayed-release tablet"),
    ("Bupropion", ("150 mg", "300 mg"), "extended-release tablet"),
    ("Furosemide", ("20 mg", "40 mg"), "tablet"),
    ("Fluticasone", ("50 mcg/spray",), "nasal spray"),
    ("Tamsulosin", ("0.4 mg",), "capsule"),
    ("Dextroamphetamine-amphetamine", ("10 mg", "20 mg"), "tablet"),
    ("Trazodone", ("50 mg", "100 mg"), "tablet"),
    ("Fluoxetine", ("10 mg", "20 mg", "40 mg"), "capsule"),
    ("Carvedilol", ("3.125 mg", "6.25 mg", "12.5 mg", "25 mg"), "tablet"),
    ("Meloxicam", ("7.5 mg", "15 mg"), "tablet"),
    ("Clopidogrel", ("75 mg",), "tablet"),
    ("Prednisone", ("5 mg", "10 mg", "20 mg"), "tablet"),
    ("Citalopram", ("10 mg", "20 mg", "40 mg"), "tablet"),
    ("Insulin glargine", ("100 units/mL",), "injection pen"),
    ("Potassium chloride", ("10 mEq", "20 mEq"), "extended-release tablet"),
    ("Pravastatin", ("20 mg", "40 mg"), "tablet"),
    ("Tramadol", ("50 mg",), "tablet"),
    ("Aspirin", ("81 mg",), "chewable tablet"),
    ("Alprazolam", ("0.25 mg", "0.5 mg", "1 mg"), "tablet"),
    ("Ibuprofen", ("400 mg", "600 mg", "800 mg"), "tablet"),
    ("Cyclobenzaprine", ("5 mg", "10 mg"), "tablet"),
    ("Amoxicillin", ("250 mg", "500 mg", "875 mg"), "capsule"),
    ("Methylphenidate", ("10 mg", "18 mg", "36 mg"), "extended-release tablet"),
    ("Allopurinol", ("100 mg", "300 mg"), "tablet"),
    ("Venlafaxine", ("37.5 mg", "75 mg", "150 mg"), "extended-release capsule"),
    ("Zolpidem", ("5 mg", "10 mg"), "tablet"),
    ("Apixaban", ("2.5 mg", "5 mg"), "tablet"),
    ("Ergocalciferol", ("50000 units",), "capsule"),
    ("Duloxetine", ("30 mg", "60 mg"), "delayed-release capsule"),
    ("Atenolol", ("25 mg", "50 mg"), "tablet"),
    ("Glipizide", ("5 mg", "10 mg"), "tablet"),
    ("Spironolactone", ("25 mg", "50 mg"), "tablet"),
    ("Propranolol", ("10 mg", "20 mg", "40 mg"), "tablet"),
    ("Hydrocodone-acetaminophen", ("5-325 mg", "10-325 mg"), "tablet"),
    ("Clonazepam", ("0.5 mg", "1 mg"), "tablet"),
    ("Lamotrigine", ("25 mg", "100 mg"), "tablet"),
    ("Quetiapine", ("25 mg", "50 mg", "100 mg"), "tablet"),
    ("Buspirone", ("5 mg", "10 mg", "15 mg"), "tablet"),
    ("Empagliflozin", ("10 mg", "25 mg"), "tablet"),
    ("Semaglutide", ("0.25 mg", "0.5 mg", "1 mg"), "injection pen"),
    ("Dulaglutide", ("0.75 mg", "1.5 mg"), "injection pen"),
    ("Sitagliptin", ("25 mg", "50 mg", "100 mg"), "tablet"),
    ("Rivaroxaban", ("10 mg", "20 mg"), "tablet"),
    ("Warfarin", ("2 mg", "5 mg"), "tablet"),
    ("Famotidine", ("20 mg", "40 mg"), "tablet"),
    ("Cetirizine", ("10 mg",), "tablet"),
    ("Loratadine", ("10 mg",), "tablet"),
    ("Azithromycin", ("250 mg", "500 mg"), "tablet"),
    ("Cephalexin", ("250 mg", "500 mg"), "capsule"),
    ("Doxycycline", ("100 mg",), "capsule"),
    ("Ciprofloxacin", ("250 mg", "500 mg"), "tablet"),
    ("Amoxicillin-clavulanate", ("500-125 mg", "875-125 mg"), "tablet"),
    ("Sulfamethoxazole-trimethoprim", ("800-160 mg",), "tablet"),
    ("Nitrofurantoin", ("100 mg",), "capsule"),
    ("Valacyclovir", ("500 mg", "1 g"), "tablet"),
    ("Fluconazole", ("150 mg",), "tablet"),
    ("Methylprednisolone", ("4 mg",), "tablet"),
    ("Ondansetron", ("4 mg", "8 mg"), "orally disintegrating tablet"),
    ("Oxycodone", ("5 mg", "10 mg"), "tablet"),
    ("Acetaminophen", ("325 mg", "500 mg"), "tablet"),
    ("Naproxen", ("250 mg", "500 mg"), "tablet"),
    ("Diclofenac", ("1%",), "topical gel"),
    ("Baclofen", ("10 mg", "20 mg"), "tablet"),
    ("Tizanidine", ("2 mg", "4 mg"), "tablet"),
    ("Topiramate", ("25 mg", "50 mg"), "tablet"),
    ("Sumatriptan", ("50 mg", "100 mg"), "tablet"),
    ("Donepezil", ("5 mg", "10 mg"), "tablet"),
    ("Finasteride", ("1 mg", "5 mg"), "tablet"),
    ("Estradiol", ("0.5 mg", "1 mg", "2 mg"), "tablet"),
    ("Norethindrone", ("0.35 mg",), "tablet"),
    ("Levonorgestrel-ethinyl estradiol", ("0.15-0.03 mg",), "tablet"),
    ("Latanoprost", ("0.005%",), "ophthalmic solution"),
    ("Budesonide-formoterol", ("160-4.5 mcg/actuation",), "inhaler"),
    ("Tiotropium", ("18 mcg",), "inhalation capsule"),
    ("Triamcinolone", ("0.1%",), "cream"),
    ("Mupirocin", ("2%",), "ointment"),
    ("Diltiazem", ("120 mg", "180 mg", "240 mg"), "extended-release capsule"),
    ("Valsartan", ("80 mg", "160 mg", "320 mg"), "tablet"),
    ("Olmesartan", ("20 mg", "40 mg"), "tablet"),
    ("Chlorthalidone", ("25 mg",), "tablet"),
    ("Hydroxyzine", ("25 mg", "50 mg"), "tablet"),
    ("Mirtazapine", ("15 mg", "30 mg"), "tablet"),
    ("Aripiprazole", ("5 mg", "10 mg"), "tablet"),
    ("Lorazepam", ("0.5 mg", "1 mg"), "tablet"),
    ("Ezetimibe", ("10 mg",), "tablet"),
    ("Fenofibrate", ("145 mg",), "tablet"),
    ("Folic acid", ("1 mg",), "tablet"),
    ("Cyanocobalamin", ("1000 mcg",), "tablet"),
)


@lru_cache(maxsize=1)
def _medications() -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray]:
    """(names, 'name strength form' strings, cdf over strings, medication of each string)."""
    names, full, weights, owner = [], [], [], []
    for i, (name, strengths, form) in enumerate(MEDICATIONS):
        names.append(name)
        drug_weight = 1.0 / (i + 10)  # prescription volume falls with rank
        for s in strengths:
            full.append(f"{name} {s} {form}")
            weights.append(drug_weight / len(strengths))
            owner.append(i)
    w = np.array(weights)
    return pa.array(names), pa.array(full), np.cumsum(w) / w.sum(), np.array(owner)


@generator("medication", category="health", returns="string", example="Atorvastatin 20 mg tablet",
           aliases=("drug",),
           facts=NO_FACTS)
def medication(ctx: GenContext, *, strength: bool = True) -> pa.Array:
    """Common generic medications with a typical strength and form (or the drug name only)."""
    names, full, cdf, owner = _medications()
    idx = _cdf_index(cdf, ctx.uniform())
    if strength:
        return full.take(idx)
    return names.take(pa.array(owner[idx.to_numpy()], type=pa.int64()))


_DOSE_AMOUNTS = {"1": 70, "2": 15, "1/2": 5, "1-2": 5, "3": 2}
_DOSE_UNITS = {"tablet": 60, "capsule": 25, "puff": 8, "drop": 4, "mL": 3}
_DOSE_ROUTES = {"tablet": "by mouth", "capsule": "by mouth", "puff": "by inhalation", "drop": "in each eye",
                "mL": "by mouth"}
_DOSE_FREQUENCIES = {"once daily": 45, "twice daily": 25, "three times daily": 8, "at bedtime": 7,
                     "every 4 to 6 hours as needed for pain": 5, "every 8 hours": 3, "once weekly": 2,
                     "every morning": 5}


def _choose(ctx: GenContext, table: dict[str, float], stream: int) -> tuple[pa.Array, np.ndarray]:
    w = np.array(list(table.values()), dtype=np.float64)
    idx = _cdf_index(np.cumsum(w) / w.sum(), ctx.uniform(stream))
    return pa.array(list(table)).take(idx), idx.to_numpy()


@generator("dosage", category="health", returns="string", example="Take 1 tablet by mouth twice daily",
           aliases=("sig", "dosage_instructions"),
           facts=NO_FACTS)
def dosage(ctx: GenContext) -> pa.Array:
    """Prescription directions (sig): amount, unit, route and frequency."""
    amount, amount_idx = _choose(ctx, _DOSE_AMOUNTS, 0)
    unit, unit_idx = _choose(ctx, _DOSE_UNITS, 1)
    units = list(_DOSE_UNITS)
    plural_units = pa.array([u if u == "mL" else u + "s" for u in units]).take(pa.array(unit_idx))
    singular = np.isin(amount_idx, [list(_DOSE_AMOUNTS).index("1"), list(_DOSE_AMOUNTS).index("1/2")])
    unit = pc.if_else(pa.array(singular), unit, plural_units)
    route = pa.array([_DOSE_ROUTES[u] for u in units]).take(pa.array(unit_idx))
    freq, _ = _choose(ctx, _DOSE_FREQUENCIES, 2)
    return pc.binary_join_element_wise(pa.scalar("Take"), amount, unit, route, freq, " ")


@generator("npi", category="health", returns="string", example="1245319599", aliases=("npi_number",),
           supports_unique=True, capacity=lambda _p, _l: 2 * 10**8,
           facts=Facts(regex=lambda _p, _l: r"^[12][0-9]{9}$", checksum=scheme("npi")))
def npi(ctx: GenContext) -> pa.Array:
    """US National Provider Identifiers: 10 digits starting 1 or 2, Luhn check digit over the 80840 prefix."""
    n = len(ctx)
    if ctx.unique:
        idx = ctx.unique_index(2 * 10**8)
        body = np.column_stack([1 + idx // 10**8, int_digits(idx % 10**8, 8)]).astype(np.uint8)
    else:
        body = np.column_stack([1 + (ctx.uniform(0) < 0.3), digit_matrix(ctx, 8, 1)]).astype(np.uint8)
    payload = np.empty((n, 14), dtype=np.uint8)
    payload[:, :5] = (8, 0, 8, 4, 0)
    payload[:, 5:] = body
    out = np.empty((n, 10), dtype=np.uint8)
    out[:, :9] = 48 + body
    out[:, 9] = 48 + luhn_check_digit(payload)
    return strings.from_bytes_matrix(out)


Sex = Literal["any", "female", "male"]


def _is_male(ctx: GenContext, sex: str) -> np.ndarray:
    if sex == "any":
        return ctx.uniform(9) < 0.5
    return np.full(len(ctx), sex == "male")


@generator("height_cm", category="health", returns="float", example="171.4", aliases=("height",),
           facts=Facts(range=lambda p: (p["min"], p["max"])))
def height_cm(ctx: GenContext, *, sex: Sex = "any", min: float = 140.0, max: float = 210.0) -> pa.Array:
    """Adult body height in cm (one decimal): normal around the locale's female/male means."""
    female_mean, male_mean = HEIGHT.get(ctx.locale.split("_")[-1], HEIGHT["US"])
    male = _is_male(ctx, sex)
    values = np.where(male, male_mean, female_mean) + np.where(male, 7.4, 6.8) * ctx.normal(0)
    return pa.array(np.round(np.clip(values, min, max), 1), type=pa.float64())


@generator("weight_kg", category="health", returns="float", example="78.2", aliases=("weight",),
           facts=Facts(range=lambda p: (p["min"], p["max"])))
def weight_kg(ctx: GenContext, *, height: OptionalColumnRef = None, min: float = 35.0,
              max: float = 250.0) -> pa.Array:
    """Adult body weight in kg (one decimal) from a log-normal BMI, scaled by a height column if given."""
    bmi = BMI_MEDIAN.get(ctx.locale.split("_")[-1], 26.0) * np.exp(0.17 * ctx.normal(0))
    if height:
        h = ctx.column(height)
        if isinstance(h, pa.ChunkedArray):
            h = h.combine_chunks()
        metres = np.asarray(pc.fill_null(h.cast(pa.float64()), 170.0).to_numpy(zero_copy_only=False)) / 100
        mask = np.asarray(h.is_null().to_numpy(zero_copy_only=False))
    else:
        female_mean, male_mean = HEIGHT.get(ctx.locale.split("_")[-1], HEIGHT["US"])
        metres = ((female_mean + male_mean) / 2 + 9.5 * ctx.normal(1)) / 100
        mask = None
    values = np.round(np.clip(bmi * metres**2, min, max), 1)
    return pa.array(values, type=pa.float64(), mask=mask)


_HEART_RATE = (40, 180)  # beats per minute, resting


@generator("heart_rate", category="health", returns="int", example="72", aliases=("pulse",),
           facts=Facts(range=lambda _p: _HEART_RATE))
def heart_rate(ctx: GenContext, *, mean: float = 74.0, sd: float = 11.0) -> pa.Array:
    """Resting heart rate in beats per minute (normal, clipped to 40-180)."""
    return pa.array(np.clip(np.round(mean + sd * ctx.normal()), *_HEART_RATE).astype(np.int64), type=pa.int64())


@generator("blood_pressure", category="health", returns="string", example="124/81", aliases=("bp",),
           facts=Facts(regex=lambda _p, _l: r"^[0-9]{2,3}/[0-9]{2,3}$"))
def blood_pressure(ctx: GenContext) -> pa.Array:
    """Blood pressure readings 'systolic/diastolic' in mmHg, correlated like adult measurements."""
    systolic = np.clip(np.round(122 + 16 * ctx.normal(0)), 85, 210)
    diastolic = np.clip(np.round(0.45 * systolic + 22 + 8 * ctx.normal(1)), 45, systolic - 20)
    return pc.binary_join_element_wise(strings.int_to_str(systolic.astype(np.int64)),
                                       strings.int_to_str(diastolic.astype(np.int64)), "/")


_BODY_TEMPERATURE = (34.5, 42.0)  # °C


@generator("body_temperature", category="health", returns="float", example="36.8", aliases=("temperature_c",),
           facts=Facts(range=lambda _p: _BODY_TEMPERATURE))
def body_temperature(ctx: GenContext, *, fever_rate: float = 0.05) -> pa.Array:
    """Body temperature in °C (one decimal): normal around 36.8, a share of feverish readings."""
    base = 36.8 + 0.35 * ctx.normal(0)
    fever = ctx.uniform(1) < fever_rate
    values = np.where(fever, 38.0 + np.abs(0.7 * ctx.normal(2)), base)
    return pa.array(np.round(np.clip(values, *_BODY_TEMPERATURE), 1), type=pa.float64())


_SPO2 = (80, 100)  # %


@generator("oxygen_saturation", category="health", returns="int", example="97", aliases=("spo2",),
           facts=Facts(range=lambda _p: _SPO2))
def oxygen_saturation(ctx: GenContext) -> pa.Array:
    """Peripheral oxygen saturation SpO2 in % (mostly 95-100)."""
    values = np.clip(np.round(100.4 - np.abs(2.2 * ctx.normal())), *_SPO2)
    return pa.array(values.astype(np.int64), type=pa.int64())


_ALLERGIES = {"No known allergies": 50, "Penicillin": 10, "Sulfa drugs": 4, "Peanuts": 3, "Tree nuts": 2,
              "Shellfish": 3, "Latex": 1.5, "Pollen": 6, "Dust mites": 3, "Cat dander": 2.5, "Dog dander": 1.5,
              "Eggs": 1, "Milk": 1.5, "Soy": 0.5, "Wheat": 0.5, "Bee stings": 1, "Aspirin": 1, "Ibuprofen": 1,
              "Codeine": 1.5, "Mold": 1.5, "Contrast dye": 0.5, "Amoxicillin": 2}


@generator("allergy", category="health", returns="string", example="Penicillin", aliases=("allergen",),
           facts=NO_FACTS)
def allergy(ctx: GenContext) -> pa.Array:
    """Recorded allergies (drug, food, environmental), 'No known allergies' for about half the rows."""
    return _choose(ctx, _ALLERGIES, 0)[0]


_ENCOUNTER_TYPES = {"Office visit": 45, "Telehealth": 12, "Emergency": 10, "Inpatient": 6, "Outpatient procedure": 7,
                    "Urgent care": 8, "Wellness visit": 7, "Observation": 2, "Home health": 3}


@generator("encounter_type", category="health", returns="string", example="Office visit",
           aliases=("visit_type",),
           facts=NO_FACTS)
def encounter_type(ctx: GenContext) -> pa.Array:
    """Kinds of patient encounters weighted like ambulatory care (office visits most common)."""
    return _choose(ctx, _ENCOUNTER_TYPES, 0)[0]
