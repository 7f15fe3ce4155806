"""Filters for the support officers' pages."""

from django import template

from mentorscheme.scheme.recommendations import about_the_candidate

register = template.Library()

register.filter("about_the_candidate", about_the_candidate)
