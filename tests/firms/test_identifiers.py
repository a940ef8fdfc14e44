"""Italian identifiers: plain pytest and hypothesis, no app."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.it import codicefiscale

from registry.firms import geography
from registry.firms.identifiers import (
    IdentifierError,
    normalise_name,
    validate_ateco,
    validate_phone_number,
    validate_postcode,
    validate_rea,
    validate_tax_code,
    validate_vat_number,
    vat_check_digit,
)

OFFICES = [f"{n:03d}" for n in range(1, 101)] + ["120", "121", "888", "999"]


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(IdentifierError) as caught:
        call(*args, **kwargs)
    return caught.value.code


# Partita IVA ---------------------------------------------------------------------------------
@pytest.mark.parametrize("number", ["00743110157", "01114601006", "02313821007",
                                    "00488410010"])
def test_real_vat_numbers_are_accepted(number):
    assert validate_vat_number(number) == number


@pytest.mark.parametrize("typed, expected", [
    ("IT 00743110157", "00743110157"), ("it00743110157", "00743110157"),
    ("007 431 101 57", "00743110157"), ("00743110157 ", "00743110157"),
    ("011-146-010-06", "01114601006"),
])
def test_vat_number_is_normalised(typed, expected):
    assert validate_vat_number(typed) == expected


@pytest.mark.parametrize("number", ["12345678903", "86334519757"])
def test_checksum_examples_with_a_non_existent_office_are_refused(number):
    # Both are textbook check-digit examples (S34): the check digit is right, but digits
    # 8-10 (890, 975) name no provincial office, so no real firm can have them.
    assert vat_check_digit(number[:10]) == number[10]
    assert code_of(validate_vat_number, number) == "office"


@pytest.mark.parametrize("number", ["00743110158", "01114601007", "00743110150"])
def test_bad_check_digit(number):
    assert code_of(validate_vat_number, number) == "checksum"


@pytest.mark.parametrize("number", ["00000000000", "11111111111", "99999999999",
                                    "00000000580"])
def test_degenerate_numbers_that_pass_the_checksum_are_refused(number):
    assert code_of(validate_vat_number, number) == "degenerate"


@pytest.mark.parametrize("number, code", [
    ("0074311015", "length"), ("007431101570", "length"), ("", "required"), (None, "required"),
    ("0074311015A", "letters"), ("ABCDEFGHIJK", "letters"), ("IT", "required"),
])
def test_malformed_vat_numbers(number, code):
    assert code_of(validate_vat_number, number) == code


serials = st.integers(min_value=1, max_value=9_999_999).map(lambda n: f"{n:07d}")


@given(serials, st.sampled_from(OFFICES))
def test_any_serial_and_office_with_its_check_digit_is_accepted(serial, office):
    first_ten = serial + office
    number = first_ten + vat_check_digit(first_ten)
    if len(set(number)) == 1:  # degenerate, refused on purpose
        assert code_of(validate_vat_number, number) == "degenerate"
    else:
        assert validate_vat_number(number) == number


@given(serials, st.sampled_from(OFFICES), st.integers(0, 10), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_number_is_refused(serial, office, position, delta):
    first_ten = serial + office
    number = first_ten + vat_check_digit(first_ten)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    # Luhn catches every single-digit change; some also break the serial or the office.
    assert code_of(validate_vat_number, "".join(digits)) in {"checksum", "degenerate",
                                                             "office"}


# Codice fiscale -------------------------------------------------------------------------------
def omocode(code: str, substitutions: int) -> str:
    """The same code with its last `substitutions` digits turned into letters (omocodia)."""
    letters = dict(zip("0123456789", "LMNPQRSTUV", strict=True))
    chars = list(code[:15])
    positions = (14, 13, 12, 10, 9, 7, 6)[:substitutions]
    for i in positions:
        chars[i] = letters[chars[i]]
    body = "".join(chars)
    return body + codicefiscale.calc_check_digit(body)


@pytest.mark.parametrize("code", ["RSSMRA85T10A562S", "rssmra85t10a562s",
                                  "RSS MRA 85T10 A562S", "RCCMNL83S18D969H"])
def test_personal_tax_codes(code):
    assert validate_tax_code(code) == code.replace(" ", "").upper()


@pytest.mark.parametrize("substitutions", [1, 3, 7])
def test_omocodia_is_accepted(substitutions):
    code = omocode("RSSMRA85T10A562S", substitutions)
    assert code != "RSSMRA85T10A562S"
    assert validate_tax_code(code) == code


@pytest.mark.parametrize("code, error", [
    ("RSSMRA85T10A562T", "checksum"),  # wrong check character
    ("RSSMRA85T10A56", "length"),
    ("RSSMRA85Z10A562S", "format"),  # Z is not a month
    ("RSSMRA85T35A562" + codicefiscale.calc_check_digit("RSSMRA85T35A562"),
     "format"),  # right check character, but day 35 does not exist (women add 40)
    ("00743110158", "checksum"),  # a company code with a bad check digit
    ("", "required"),
])
def test_bad_tax_codes(code, error):
    assert code_of(validate_tax_code, code) == error


def test_company_tax_code_follows_the_vat_rules():
    assert validate_tax_code("00743110157") == "00743110157"
    assert code_of(validate_tax_code, "00000000000") == "degenerate"


def test_personal_only_refuses_a_company_code():
    assert code_of(validate_tax_code, "00743110157", personal_only=True) == "personal"
    assert validate_tax_code("RSSMRA85T10A562S", personal_only=True) == "RSSMRA85T10A562S"


# REA, CAP, ATECO, phone numbers ---------------------------------------------------------------
def test_rea():
    assert validate_rea("rm", "1125501") == ("RM", "1125501")
    assert validate_rea("RM", "RM-1125501") == ("RM", "1125501")
    assert validate_rea("MI", "0012345") == ("MI", "12345")
    assert validate_rea("SU", "7") == ("SU", "7")
    assert code_of(validate_rea, "XX", "123") == "province"
    assert code_of(validate_rea, "RM", "12345678") == "length"
    assert code_of(validate_rea, "RM", "12A45") == "letters"
    assert code_of(validate_rea, "RM", "") == "required"
    assert code_of(validate_rea, "RM", "0000") == "degenerate"


@pytest.mark.parametrize("value, result", [("00156", "00156"), (" 20121 ", "20121")])
def test_postcode(value, result):
    assert validate_postcode(value) == result


@pytest.mark.parametrize("value, code", [("0015", "length"), ("001566", "length"),
                                         ("00A56", "letters"), ("00000", "degenerate")])
def test_bad_postcode(value, code):
    assert code_of(validate_postcode, value) == code


@pytest.mark.parametrize("value, result", [
    ("82.20.00", "82.20.00"), ("82.20", "82.20"), ("82.20.0", "82.20.0"),
    ("822000", "82.20.00"), ("8220", "82.20"),
])
def test_ateco(value, result):
    assert validate_ateco(value) == result


@pytest.mark.parametrize("value", ["82-20-00", "8.2.2", "82.2", "00.11.00", "ABCD", "82.20.000"])
def test_bad_ateco(value):
    assert code_of(validate_ateco, value) == "format"


@pytest.mark.parametrize("value, result", [
    ("06 1234567", "+39061234567"), ("+39 06 1234 5678", "+390612345678"),
    ("0039 800 123 456", "+39800123456"), ("(02) 8765-4321", "+390287654321"),
    ("347 123 4567", "+393471234567"), ("199.123.456", "+39199123456"),
    # A foreign number is accepted with its international prefix, when valid there.
    ("+44 20 7946 0958", "+442079460958"), ("0044 20 7946 0958", "+442079460958"),
])
def test_phone_numbers(value, result):
    assert validate_phone_number(value) == result


@pytest.mark.parametrize("value, code", [
    ("12345", "length"), ("+39 123456789012345678", "length"), ("06 CALL ME", "letters"),
    ("+39 12345678901234", "phone_invalid"), ("+44 12", "length"),
    ("+44 20 1234", "phone_invalid"),
    ("", "required"), ("333 333", "degenerate"),
])
def test_bad_phone_numbers(value, code):
    assert code_of(validate_phone_number, value) == code


# Names and places -----------------------------------------------------------------------------
@pytest.mark.parametrize("name, result", [
    ("Àbaco Servizi S.r.l.", "abaco servizi srl"),
    ("  CALL—CENTER  d'Italia  S.p.A. ", "call center d italia spa"),
    ("Società Cooperativa Sociale «Il Faro»", "societa cooperativa sociale il faro"),
    ("Rossi&Bianchi Tel.Co.", "rossi bianchi tel co"),
    ("", ""),
])
def test_normalise_name(name, result):
    assert normalise_name(name) == result


def test_geography():
    assert len(geography.PROVINCES) == 107
    assert len(geography.REGIONS) == 20
    assert {region for _name, region in geography.PROVINCES.values()} == set(geography.REGIONS)
    assert geography.region_of("MB") == "Lombardia"
    assert geography.region_of("SU") == "Sardegna"
    assert geography.region_of("BT") == "Puglia"
    assert geography.region_of("XX") is None
    assert len(geography.EU_MEMBERS) == 27
    assert set(geography.COUNTRIES) >= geography.EU_MEMBERS
    assert geography.is_eu("IT") and geography.is_eu("RE") and not geography.is_eu("AL")
    assert not geography.is_eu("GB") and not geography.is_eu("CH")
    extra_eu = dict(geography.country_choices("it", extra_eu_only=True))
    assert "AL" in extra_eu and "FR" not in extra_eu and "IT" not in extra_eu
    assert extra_eu["AL"] == "Albania"
    assert geography.country_name("DE", "en") == "Germany"
