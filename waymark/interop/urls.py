from django.urls import path

from waymark.interop import views

app_name = "interop"

urlpatterns = [
    path("patients/<int:patient_id>/fhir/export/", views.fhir_export, name="fhir_export"),
    path("me/record/fhir/", views.my_record_fhir, name="my_record_fhir"),
    path("fhir/import/", views.fhir_import, name="fhir_import"),
]
