namespace Payments.Domain;

/// <summary>One broken rule of one field. <see cref="Code"/> is stable: clients may branch on it.</summary>
public sealed record FieldError(string Field, string Code, string Message);
