from mentorscheme.members import access


def roles(request):
    return {"roles": access.roles_for(request.user)}
