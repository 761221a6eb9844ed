"""One My Number guard at save time for every text field of every model, every bulk write and every form field;
phone numbers read in domestic form first (docs/security.md)."""

from __future__ import annotations

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from madoguchi.accounts.middleware import PrivacyMiddleware
from madoguchi.accounts.models import User
from madoguchi.accounts.testing import BaseTestCase
from madoguchi.lib.privacy import (
    IndividualNumberRefused,
    find_individual_numbers,
    guard_instance,
    guarded_fields,
    is_guarded_model,
    phone_domestic,
)

MY_NUMBER = "1234 5678 9018"


@pytest.mark.parametrize(
    ("raw", "domestic"),
    [
        ("+81 90-1234-5678", "09012345678"),
        ("+819012345678", "09012345678"),
        ("819012345678", "09012345678"),
        ("+81 (0)3-1234-5678", "0312345678"),
        ("０９０－１２３４－５６７８", "09012345678"),
        ("0942-30-9000", "0942309000"),
    ],
)
def test_a_phone_number_is_read_in_domestic_form(raw, domestic):
    assert phone_domestic(raw) == domestic


@pytest.mark.parametrize("text", ["発信 +819012345678 から", "+81 90 1234 5678", "tel:+81-3-1234-5678"])
def test_an_international_caller_id_is_a_phone_number_not_an_individual_number(text):
    assert find_individual_numbers(text) == []


def test_every_text_field_of_every_madoguchi_model_refuses_an_individual_number():
    checked = 0
    for model in apps.get_models():
        if not is_guarded_model(model):
            continue
        for field in guarded_fields(model):
            instance = model()
            setattr(
                instance,
                field.attname,
                {"note": MY_NUMBER} if field.get_internal_type() == "JSONField" else MY_NUMBER,
            )
            with pytest.raises(IndividualNumberRefused) as caught:
                guard_instance(instance)
            assert str(field.verbose_name) in caught.value.messages[0], (model, field.name)
            assert "9018" not in caught.value.messages[0]  # the message never repeats the value
            checked += 1
    assert checked > 100


class SaveTimeGuardTests(BaseTestCase):
    def test_a_username_or_display_name_holding_an_individual_number_is_not_stored(self):
        with pytest.raises(ValidationError):
            User.objects.create_user(username=MY_NUMBER.replace(" ", ""), password="x")
        with pytest.raises(ValidationError):
            self.operator.display_name = f"山田 {MY_NUMBER}"
            self.operator.save()
        self.assertFalse(User.objects.filter(username="123456789018").exists())

    def test_bulk_writes_and_queryset_updates_are_guarded_too(self):
        with pytest.raises(ValidationError):
            User.objects.bulk_create([User(username="x1", display_name=MY_NUMBER)])
        with pytest.raises(ValidationError):
            User.objects.filter(pk=self.operator.pk).update(display_name=MY_NUMBER)
        self.operator.refresh_from_db()
        self.assertEqual(self.operator.display_name, "Alice")

    def test_every_form_char_field_refuses_it_in_its_own_field(self):
        class SearchForm(forms.Form):
            q = forms.CharField()
            secret = forms.CharField(widget=forms.PasswordInput)

        form = SearchForm({"q": f"氏名 {MY_NUMBER}", "secret": "pass 123456789018"})
        self.assertFalse(form.is_valid())
        self.assertIn("マイナンバー", form.errors["q"][0])
        self.assertNotIn("secret", form.errors)

    def test_an_uploaded_file_named_with_an_individual_number_is_refused_before_any_view(self):
        self.login(self.back_office)
        upload = SimpleUploadedFile(f"{MY_NUMBER.replace(' ', '')}.csv", b"a,b\n", content_type="text/csv")
        response = self.client.post("/cards/import/", {"file": upload})
        self.assertContains(response, "ファイル名", status_code=400)
        self.assertNotContains(response, "9018", status_code=400)

    def test_a_refused_save_becomes_a_japanese_400_page_naming_the_field(self):
        request = RequestFactory().post("/x/")
        request.user = self.operator
        middleware = PrivacyMiddleware(lambda r: None)
        try:
            self.operator.display_name = MY_NUMBER
            self.operator.save()
        except ValidationError as exc:
            response = middleware.process_exception(request, exc)
        self.assertEqual(response.status_code, 400)
        self.assertIn("表示名", response.content.decode())

    def test_staff_pages_are_never_cached_and_failed_logins_never_keep_the_number(self):
        from axes.models import AccessAttempt

        self.login(self.operator)
        self.assertEqual(self.client.get("/").headers["Cache-Control"], "no-store")
        self.client.logout()
        response = self.client.post("/accounts/login/", {"username": "123456789018", "password": "x"})
        self.assertContains(response, "マイナンバー")
        self.assertFalse(AccessAttempt.objects.filter(username__contains="9018").exists())
